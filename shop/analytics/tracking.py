"""Recording what shoppers do: page and product views, cart adds, purchases, searches, clicks.

Every `track_*` function only builds a small record and hands it to the process's event buffer
(`shop.analytics.buffer`): nothing here waits for MongoDB, so a slow or absent MongoDB never slows
or breaks a page. The buffer's thread writes the records in the seed's shapes (`writer.py`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from bson import ObjectId
from flask import current_app

from shop.analytics import metrics
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order

log = logging.getLogger("shop.analytics")
F = TypeVar("F", bound=Callable[..., Any])


class EventType(enum.StrEnum):
    """The seed's `user_analytics.events[].event_type` values."""

    PAGE_VIEW = "page_view"
    PRODUCT_VIEW = "product_view"
    CART_ADD = "cart_add"
    PURCHASE = "purchase"


@dataclass(frozen=True)
class Visitor:
    """Who did it: a browser session (guests too), the signed-in user if any, and their device.
    `ip_address` is the raw address; it is truncated before anything is stored."""

    session_id: str
    user_id: int | None = None
    user_agent: str | None = None
    ip_address: str | None = None


@dataclass(frozen=True)
class Pending:
    """A record waiting in the buffer. `kind` is 'event', 'search' or 'click'."""

    kind: str
    visitor: Visitor
    payload: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _submit(record: Pending) -> None:
    current_app.extensions["analytics_buffer"].put(record)


def never_raises(func: F) -> F:
    """Analytics must never break what the shopper is doing: a failure is logged and counted."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception:
            log.exception("analytics: %s failed", func.__name__)
            metrics.EVENTS_DROPPED.labels("error").inc()
            return None

    return wrapper  # type: ignore[return-value]


@never_raises
def track_event(
    visitor: Visitor,
    event_type: EventType,
    *,
    product_id: int | None = None,
    category: str | None = None,
    page_url: str | None = None,
    metadata: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Record one event of `visitor` (the seed's `events[]` entry)."""
    at = at or datetime.now(UTC)
    event = {
        "event_type": str(event_type),
        "event_data": {
            "product_id": product_id,
            "category": category,
            "page_url": page_url,
            "timestamp": at,
            "metadata": metadata or {},
        },
    }
    _submit(Pending("event", visitor, event, at))


@never_raises
def track_purchase(visitor: Visitor, order: Order) -> None:
    """One `purchase` event per line of `order`. Recording the same order twice stores it once
    (the writer skips an order already recorded), so a retried checkout counts once."""
    categories = {
        item.product_id: item.product.category
        for item in order.items
        if "product" in item.__dict__ and item.product is not None
    }
    unknown = [
        item.product_id for item in order.items if item.product_id is not None and item.product_id not in categories
    ]
    if unknown:  # an order read back from the database (the checkout sets each item's product)
        categories.update(
            db.session.execute(sa.select(Product.id, Product.category).where(Product.id.in_(unknown))).tuples().all()
        )
    at = datetime.now(UTC)
    for item in order.items:
        track_event(
            visitor,
            EventType.PURCHASE,
            product_id=item.product_id,
            category=categories.get(item.product_id),
            metadata={
                "order_id": order.id,
                "order_number": order.order_number,
                "quantity": item.quantity,
                "unit_price": str(item.unit_price),
                "total_price": str(item.total_price),
            },
            at=at,
        )


@dataclass(frozen=True)
class SearchFilters:
    """The seed's `filters_applied`: only the filters it names are recorded."""

    category: str | None = None
    skin_type: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    brands: tuple[str, ...] = ()


@never_raises
def track_search(
    visitor: Visitor, query: str, filters: SearchFilters, results_count: int, clicked: Sequence[int] = ()
) -> str | None:
    """Record a search; returns its id (known before it is written) for `track_search_click`,
    or None if it could not be recorded."""
    search_id = ObjectId()
    payload = {
        "_id": search_id,
        "search_query": query.strip()[:200],
        "filters": filters,
        "results_count": int(results_count),
        "clicked_products": list(dict.fromkeys(clicked)),
    }
    _submit(Pending("search", visitor, payload))
    return str(search_id)


@never_raises
def track_search_click(visitor: Visitor, search_id: str, product_id: int) -> None:
    """Add `product_id` to the clicked products of one of `visitor`'s searches. An unknown id,
    or a search of another session, changes nothing."""
    if not ObjectId.is_valid(search_id):
        return
    _submit(Pending("click", visitor, {"search_id": ObjectId(search_id), "product_id": product_id}))
