"""What the shop window tells the analytics, server side (no third-party scripts).

Every storefront page answered with HTML records a `page_view`; product pages a `product_view`
(and a click on the search that led there, `?from_search=<search id>`); searches are recorded
with their filters and result count; cart adds and purchases are recorded by their views.
Crawlers are not recorded. Recording only queues a record (see shop.analytics.buffer).
"""

from __future__ import annotations

import hashlib
import re

from flask import current_app, g, request
from flask_login import current_user

from shop.analytics import tracking
from shop.analytics.device import is_bot
from shop.analytics.tracking import EventType, SearchFilters, Visitor
from shop.catalog.services import ProductFilters
from shop.infra import browser, cookies
from shop.orders.models import Order
from storefront import bp
from web.htmx import is_htmx_fragment_request

LAST_SEARCH_COOKIE = "last_search"
SEARCH_ID = re.compile(r"^[0-9a-f]{24}$")
# Fragments that are parts of a page already counted, not pages of their own.
NOT_PAGES = {"storefront.search_suggestions", "storefront.product_reviews"}


ANALYTICS = "analytics"


def visitor() -> Visitor:
    """The shopper of this request. The analytics session id is derived from the browser's id
    cookie (shop.infra.browser), so recording a visit never creates a server-side session."""
    return Visitor(
        session_id=browser.derived(ANALYTICS)[:32],
        user_id=current_user.id if current_user.is_authenticated else None,
        user_agent=request.user_agent.string,
        ip_address=request.remote_addr,
    )


def guest_visitor(key: str | bytes, browser_id: str, user_agent: str, ip_address: str | None) -> Visitor:
    """visitor() for a guest, outside a Flask request (storefront.shared_pages)."""
    return Visitor(
        session_id=browser.sign(key, ANALYTICS, browser_id)[:32], user_agent=user_agent, ip_address=ip_address
    )


def _recorded() -> bool:
    return not is_bot(request.user_agent.string)


@bp.after_request
def _remember_search(response):
    last = g.get("last_search")
    if last:
        cookies.set_cookie(response, LAST_SEARCH_COOKIE, last, secure=cookies.secure(current_app.config))
    return response


@bp.after_request
def _page_view(response):
    if (
        request.method == "GET"
        and response.status_code in (200, 304)
        and response.mimetype == "text/html"
        and not (request.endpoint in NOT_PAGES and is_htmx_fragment_request())
        and _recorded()
    ):
        record_page_view(visitor(), request.full_path)
    return response


def record_page_view(who: Visitor, full_path: str) -> None:
    tracking.track_event(who, EventType.PAGE_VIEW, page_url=full_path.rstrip("?")[:2000])


def product_view(product_id: int, category: str | None) -> None:
    """A product page was seen; a click on the search it came from is recorded too."""
    if _recorded():
        record_product_view(visitor(), product_id, category, request.path, request.args.get("from_search", ""))


def record_product_view(who: Visitor, product_id: int, category: str | None, path: str, from_search: str) -> None:
    tracking.track_event(who, EventType.PRODUCT_VIEW, product_id=product_id, category=category, page_url=path)
    if SEARCH_ID.match(from_search):
        tracking.track_search_click(who, from_search, product_id)


def search(filters: ProductFilters, results_count: int) -> str | None:
    """Record a search from the shop's search page; the same search again right after (another
    page of results, another sort) keeps its id, remembered in a cookie. Returns the id for
    result links."""
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
    fingerprint = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
    last_fingerprint, _, last_id = request.cookies.get(LAST_SEARCH_COOKIE, "").partition(".")
    if last_fingerprint == fingerprint and SEARCH_ID.match(last_id):
        return last_id
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
    if search_id:
        # A cookie, not the session: searching must not cost a visitor a server-side session.
        g.last_search = f"{fingerprint}.{search_id}"
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
