"""The shop window records what shoppers do, server side, in the seed's shapes."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from bson import ObjectId
from bson.decimal128 import Decimal128

from tests.analytics.test_device import GOOGLEBOT, IPHONE
from tests.factories import AddressFactory, CategoryFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add
from tests.web.test_checkout_pages import place, place_form, review

USER_DOC_KEYS = {"_id", "user_id", "session_id", "events", "device_info", "created_at", "updated_at"}
DEVICE_KEYS = {"user_agent", "ip_address", "device_type", "browser", "os", "location"}
SEARCH_KEYS = {
    "_id",
    "user_id",
    "search_query",
    "filters_applied",
    "results_count",
    "clicked_products",
    "session_id",
    "timestamp",
    "device_info",
}


def browse(client, url: str, **kwargs):
    response = client.get(url, headers={"User-Agent": IPHONE}, environ_base={"REMOTE_ADDR": "203.0.113.77"}, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_a_guest_product_view_is_stored_in_the_seed_shape(client, analytics):
    product = ProductFactory(category="toners")
    browse(client, f"/products/{product.slug}")
    browse(client, f"/products/{product.slug}")  # the second view is served from the page cache

    doc, events = analytics.one_session()
    assert set(doc) == USER_DOC_KEYS
    assert doc["user_id"] is None
    assert isinstance(doc["session_id"], str) and len(doc["session_id"]) == 32
    assert isinstance(doc["created_at"], datetime) and isinstance(doc["updated_at"], datetime)
    assert set(doc["device_info"]) == DEVICE_KEYS
    assert doc["device_info"]["ip_address"] == "203.0.113.0"
    assert (doc["device_info"]["device_type"], doc["device_info"]["browser"], doc["device_info"]["os"]) == (
        "mobile",
        "Mobile Safari",
        "iOS",
    )
    assert doc["device_info"]["location"] == {"country": None, "city": None, "coordinates": []}
    kinds = [e["event_type"] for e in events]
    assert kinds == ["product_view", "page_view", "product_view", "page_view"]
    view = events[0]
    assert set(view) == {"event_type", "event_data"}
    assert set(view["event_data"]) == {"product_id", "category", "page_url", "timestamp", "metadata"}
    assert view["event_data"]["product_id"] == product.id
    assert view["event_data"]["category"] == "toners"
    assert view["event_data"]["page_url"] == f"/products/{product.slug}"
    assert isinstance(view["event_data"]["timestamp"], datetime)
    assert view["event_data"]["metadata"] == {}
    assert events[1]["event_data"]["page_url"] == f"/products/{product.slug}"
    assert events[1]["event_data"]["product_id"] is None


def test_pages_record_page_views_but_crawlers_and_fragments_do_not(client, analytics):
    browse(client, "/")
    browse(client, "/skin-types")
    client.get("/", headers={"User-Agent": GOOGLEBOT})
    client.get("/search/suggestions?q=to", headers={"HX-Request": "true"})
    events = analytics.events()
    assert [(e["event_type"], e["event_data"]["page_url"]) for e in events] == [
        ("page_view", "/"),
        ("page_view", "/skin-types"),
    ]


def test_a_search_is_recorded_and_a_result_click_is_added_to_it(client, analytics):
    CategoryFactory(slug="toners", name="Toners")
    product = ProductFactory(name_en="Rice Water Toner", category="toners")
    page = browse(client, "/shop?q=toner&min_price=5&max_price=30.50&skin_type=all")
    search_id = re.search(r"from_search=([0-9a-f]{24})", page.text).group(1)
    assert f'href="/products/{product.slug}?from_search={search_id}"' in page.text
    browse(client, "/shop?q=toner&min_price=5&max_price=30.50&skin_type=all&sort=newest")  # same search
    browse(client, f"/products/{product.slug}?from_search={search_id}")

    [search] = analytics.searches()
    assert set(search) == SEARCH_KEYS
    assert search["_id"] == ObjectId(search_id)
    assert search["user_id"] is None
    assert search["search_query"] == "toner"
    assert search["filters_applied"] == {
        "category": None,
        "skin_type": "all",
        "price_range": {"min": Decimal128("5"), "max": Decimal128("30.50")},
        "brands": [],
    }
    assert search["results_count"] == 1
    assert search["clicked_products"] == [product.id]
    assert isinstance(search["session_id"], str) and isinstance(search["timestamp"], datetime)
    assert set(search["device_info"]) == DEVICE_KEYS and search["device_info"]["ip_address"] == "203.0.113.0"
    doc, _ = analytics.one_session()
    assert doc["session_id"] == search["session_id"]


def test_cart_adds_and_purchases_are_recorded_once_per_order(client, analytics):
    user = UserFactory(first_name="Sokha", last_name="Chan")
    home = AddressFactory(user=user)
    product = ProductFactory(price=Decimal("12.50"), stock=5, category="serums")
    sign_in(client, user.email)
    add(client, product, 2)
    fields = place_form(review(client, {"address_id": str(home.id)}))
    assert place(client, fields).status_code == 303
    assert place(client, fields).status_code == 303  # a resubmitted form: the same order

    [cart_add] = analytics.events("cart_add")
    assert cart_add["event_data"]["product_id"] == product.id
    assert cart_add["event_data"]["metadata"] == {"quantity": 2}
    [purchase] = analytics.events("purchase")
    data = purchase["event_data"]
    assert (data["product_id"], data["category"]) == (product.id, "serums")
    assert set(data["metadata"]) == {"order_id", "order_number", "quantity", "unit_price", "total_price"}
    assert (data["metadata"]["quantity"], data["metadata"]["unit_price"], data["metadata"]["total_price"]) == (
        2,
        "12.50",
        "25.00",
    )
    # The sign-in page was seen as a guest; what came after is the shopper's.
    by_user: dict[int | None, set[str]] = {}
    for doc in analytics.user_docs():  # a session may span documents (one per batch written)
        by_user.setdefault(doc["user_id"], set()).update(e["event_type"] for e in doc["events"])
    assert by_user[None] == {"page_view"}
    assert by_user[user.id] >= {"cart_add", "purchase", "page_view"}
