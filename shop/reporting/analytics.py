"""The analytics pages: sales and customers from the orders (the database), products' views
and purchases from the analytics events (MongoDB `user_analytics`, the seed's collection).

Counted orders are those not cancelled or refunded, as on the dashboard. Periods are the shop's
days, weeks (from Monday) or months; empty periods are listed with zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.analytics.store import get_events_mongo
from shop.catalog.models import Product
from shop.errors import ShopError
from shop.extensions import db
from shop.money import to_money
from shop.orders.models import Order, OrderItem
from shop.reporting.dashboard import COUNTED
from shop.reporting.periods import MAX_DAYS, Granularity, bucket, buckets, local_day, start_of


def check_range(start: date, end: date) -> None:
    """Refuse a range that ends before it starts or spans more than MAX_DAYS days."""
    if end < start:
        raise ShopError(_l("The end date must not be before the start date."), field="end")
    if (end - start).days + 1 > MAX_DAYS:
        raise ShopError(_l("Choose at most %(days)s days.", days=MAX_DAYS), field="start")


def _in_range(start: date, end: date) -> list[sa.ColumnElement[bool]]:
    return [Order.created_at >= start_of(start), Order.created_at < start_of(end + timedelta(days=1))]


@dataclass(frozen=True)
class SalesPoint:
    period: date
    orders: int
    revenue: Decimal


def sales(start: date, end: date, granularity: Granularity = Granularity.DAY) -> list[SalesPoint]:
    """Counted orders and revenue per period from `start` to `end` (inclusive)."""
    check_range(start, end)
    day = local_day(Order.created_at)
    rows = db.session.execute(
        sa.select(day, sa.func.count(Order.id), sa.func.coalesce(sa.func.sum(Order.total), 0))
        .where(COUNTED, *_in_range(start, end))
        .group_by(day)
    ).all()
    periods = list(buckets(start, end, granularity))
    orders: dict[date, int] = dict.fromkeys(periods, 0)
    revenues: dict[date, Decimal] = dict.fromkeys(periods, Decimal("0"))
    for text, count, revenue in rows:
        period = bucket(date.fromisoformat(text), granularity)
        orders[period] += count
        revenues[period] += Decimal(revenue)
    return [SalesPoint(first, orders[first], to_money(revenues[first])) for first in periods]


@dataclass(frozen=True)
class CustomerPoint:
    period: date
    new: int
    returning: int


def customers(start: date, end: date, granularity: Granularity = Granularity.DAY) -> list[CustomerPoint]:
    """Per period, customers (by email) who ordered: new ones (their first counted order is in
    that period) and returning ones (they had ordered before)."""
    check_range(start, end)
    email = sa.func.lower(Order.customer_email)
    first = (
        sa.select(email.label("email"), sa.func.min(Order.created_at).label("first_at"))
        .where(COUNTED)
        .group_by(email)
        .subquery()
    )
    day = local_day(Order.created_at)
    rows = db.session.execute(
        sa.select(day, email, local_day(first.c.first_at))
        .join(first, first.c.email == email)
        .where(COUNTED, *_in_range(start, end))
        .distinct()
    ).all()
    seen: dict[date, dict[str, bool]] = {first_day: {} for first_day in buckets(start, end, granularity)}
    for text, who, first_text in rows:
        period = bucket(date.fromisoformat(text), granularity)
        is_new = bucket(date.fromisoformat(first_text), granularity) == period
        seen[period][who] = seen[period].get(who, False) or is_new
    return [
        CustomerPoint(period, sum(who.values()), sum(not new for new in who.values())) for period, who in seen.items()
    ]


@dataclass(frozen=True)
class ProductFunnel:
    product_id: int
    name: str
    views: int
    purchases: int

    @property
    def conversion(self) -> Decimal:
        """Units bought per 100 views."""
        return (Decimal(100 * self.purchases) / self.views).quantize(Decimal("0.1")) if self.views else Decimal("0")


def product_funnel(start: date, end: date, limit: int = 20) -> list[ProductFunnel] | None:
    """The most viewed products with their views (analytics `product_view` events) and units
    bought (counted orders) in the range; None when no view events were recorded yet."""
    check_range(start, end)
    pipeline: list[dict[str, Any]] = [
        {"$unwind": "$events"},
        {
            "$match": {
                "events.event_type": "product_view",
                "events.event_data.timestamp": {"$gte": start_of(start), "$lt": start_of(end + timedelta(days=1))},
            }
        },
        {"$group": {"_id": "$events.event_data.product_id", "views": {"$sum": 1}}},
        {"$sort": {"views": -1, "_id": 1}},
        {"$limit": limit},
    ]
    views = {
        int(row["_id"]): row["views"] for row in get_events_mongo().user_analytics.aggregate(pipeline) if row["_id"]
    }
    if not views:
        return None
    bought = dict(
        db.session.execute(
            sa.select(OrderItem.product_id, sa.func.sum(OrderItem.quantity))
            .join(Order, Order.id == OrderItem.order_id)
            .where(COUNTED, *_in_range(start, end), OrderItem.product_id.in_(list(views)))
            .group_by(OrderItem.product_id)
        )
        .tuples()
        .all()
    )
    names = dict(
        db.session.execute(sa.select(Product.id, Product.name_en).where(Product.id.in_(list(views)))).tuples().all()
    )
    return [
        ProductFunnel(pid, names.get(pid, f"#{pid}"), count, int(bought.get(pid) or 0))
        for pid, count in sorted(views.items(), key=lambda item: (-item[1], item[0]))
    ]
