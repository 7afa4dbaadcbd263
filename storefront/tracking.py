"""What the shop window tells the analytics, server side (no third-party scripts).

Every storefront page answered with HTML records a `page_view`; product pages a `product_view`
(and a click on the search that led there, `?from_search=<search id>`); searches are recorded
with their filters and result count; cart adds and purchases are recorded by their views.
Crawlers are not recorded. Recording only queues a record (see shop.analytics.buffer).
"""

from __future__ import annotations

import re
import uuid

from flask import request, session
from flask_login import current_user

from shop.analytics import tracking
from shop.analytics.device import is_bot
from shop.analytics.tracking import EventType, SearchFilters, Visitor
from shop.catalog.services import ProductFilters
from shop.orders.models import Order
from storefront import bp
from storefront.htmx import is_htmx_fragment_request

SESSION_KEY = "analytics_sid"
LAST_SEARCH_KEY = "analytics_search"
SEARCH_ID = re.compile(r"^[0-9a-f]{24}$")
# Fragments that are parts of a page already counted, not pages of their own.
NOT_PAGES = {"storefront.search_suggestions", "storefront.product_reviews"}


def visitor() -> Visitor:
    """The shopper of this request; a guest gets an analytics session id in their session."""
    session_id = session.get(SESSION_KEY)
    if session_id is None:
        session_id = session[SESSION_KEY] = uuid.uuid4().hex
    return Visitor(
        session_id=session_id,
        user_id=current_user.id if current_user.is_authenticated else None,
        user_agent=request.user_agent.string,
        ip_address=request.remote_addr,
    )


def _recorded() -> bool:
    return not is_bot(request.user_agent.string)


@bp.after_request
def _page_view(response):
    if (
        request.method == "GET"
        and response.status_code in (200, 304)
        and response.mimetype == "text/html"
        and not (request.endpoint in NOT_PAGES and is_htmx_fragment_request())
        and _recorded()
    ):
        page_url = request.full_path.rstrip("?")[:2000]
        tracking.track_event(visitor(), EventType.PAGE_VIEW, page_url=page_url)
    return response


def product_view(product_id: int, category: str | None) -> None:
    """A product page was seen; a click on the search it came from is recorded too."""
    if not _recorded():
        return
    who = visitor()
    tracking.track_event(who, EventType.PRODUCT_VIEW, product_id=product_id, category=category, page_url=request.path)
    search_id = request.args.get("from_search", "")
    if SEARCH_ID.match(search_id):
        tracking.track_search_click(who, search_id, product_id)


def search(filters: ProductFilters, results_count: int) -> str | None:
    """Record a search from the shop's search page; the same search again in this session (another
    page of results, another sort) keeps its id. Returns the id for result links."""
    if not filters.query or not _recorded():
        return None
    key = "|".join(
        str(part)
        for part in (
            filters.query.lower(),
            filters.category.slug if filters.category else "",
            filters.skin_type or "",
            filters.min_price,
            filters.max_price,
        )
    )
    last = session.get(LAST_SEARCH_KEY) or {}
    if last.get("key") == key:
        return last["id"]
    search_id = tracking.track_search(
        visitor(),
        filters.query,
        SearchFilters(
            category=filters.category.slug if filters.category else None,
            skin_type=filters.skin_type.value if filters.skin_type else None,
            min_price=filters.min_price,
            max_price=filters.max_price,
        ),
        results_count,
    )
    session[LAST_SEARCH_KEY] = {"key": key, "id": search_id}
    return search_id


def cart_add(product_id: int, quantity: int) -> None:
    """A product went into the cart."""
    if _recorded():
        tracking.track_event(
            visitor(), EventType.CART_ADD, product_id=product_id, page_url=request.path, metadata={"quantity": quantity}
        )


def purchase(order: Order) -> None:
    """An order was placed (a resubmitted checkout is recorded once)."""
    tracking.track_purchase(visitor(), order)
