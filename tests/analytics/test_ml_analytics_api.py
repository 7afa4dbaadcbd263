"""/ml/v1 analytics and search endpoints: who may call them, validation in English and Khmer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shop.analytics import tracking
from shop.analytics.tracking import EventType, SearchFilters, Visitor
from tests.api.helpers import bearer
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, UserFactory

KM = {"Accept-Language": "km"}


def test_track_event_for_a_guest_with_a_session_id(client, analytics):
    product = ProductFactory(category="toners")
    response = client.post(
        "/ml/v1/analytics/track-event",
        json={"event_type": "product_view", "session_id": "app-123", "product_id": product.id, "metadata": {"a": 1}},
    )
    assert response.status_code == 202
    assert response.get_json()["data"] == {"session_id": "app-123"}
    [doc] = analytics.user_docs()
    assert (doc["user_id"], doc["session_id"]) == (None, "app-123")
    event = doc["events"][0]
    assert event["event_type"] == "product_view"
    assert (event["event_data"]["product_id"], event["event_data"]["category"]) == (product.id, "toners")
    assert event["event_data"]["metadata"] == {"a": 1}


def test_track_event_takes_the_design_documents_event_shape(client, analytics):
    """What a mobile developer reading the design sends: the fields inside `event_data`."""
    product = ProductFactory(category="toners")
    body = {
        "event_type": "cart_add",
        "session_id": "app-7",
        "event_data": {
            "product_id": product.id,
            "category": "serums",
            "page_url": "/products/rice-toner",
            "timestamp": "2026-12-07T08:00:00+07:00",
            "metadata": {"quantity": 2},
        },
    }
    response = client.post("/ml/v1/analytics/track-event", json=body)
    assert response.status_code == 202, response.get_json()
    [doc] = analytics.user_docs()
    data = doc["events"][0]["event_data"]
    assert (doc["events"][0]["event_type"], data["product_id"], data["category"], data["page_url"]) == (
        "cart_add",
        product.id,
        "serums",
        "/products/rice-toner",
    )
    # The event is dated by the server; the device's time is kept beside the metadata.
    assert data["metadata"] == {"quantity": 2, "client_timestamp": "2026-12-07T08:00:00+07:00"}


@pytest.mark.parametrize(
    ("event_data", "field", "message"),
    [
        ({}, "product_id", "This field is required."),
        ({"product_id": "x"}, "event_data", None),
        ({"product_id": 1, "colour": "red"}, "event_data", None),
    ],
)
def test_the_event_shape_is_validated_like_the_flat_one(client, analytics, event_data, field, message):
    body = {"event_type": "product_view", "session_id": "s1", "event_data": event_data}
    response = client.post("/ml/v1/analytics/track-event", json=body)
    # A product event without a product is a rule across fields (400); a bad field is 422.
    assert response.status_code == (400 if field == "product_id" else 422)
    details = response.get_json()["error"]["details"]["json"]
    assert field in details
    if message:
        assert details[field] == [message]
    assert analytics.user_docs() == []


def test_a_field_sent_both_ways_must_agree(client, analytics):
    product = ProductFactory()
    body = {"event_type": "product_view", "session_id": "s1", "product_id": product.id,
            "event_data": {"product_id": product.id + 1}}  # fmt: skip
    response = client.post("/ml/v1/analytics/track-event", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["json"]["product_id"] == [
        "Send it once: beside event_type or in event_data."
    ]
    same = {**body, "event_data": {"product_id": product.id}}
    assert client.post("/ml/v1/analytics/track-event", json=same).status_code == 202


def test_track_event_takes_the_user_from_the_token(client, analytics, shopper):
    user, headers = shopper
    response = client.post(
        "/ml/v1/analytics/track-event", json={"event_type": "page_view", "page_url": "/"}, headers=headers
    )
    assert response.status_code == 202
    [doc] = analytics.user_docs()
    assert (doc["user_id"], doc["session_id"]) == (user.id, f"user:{user.id}")


@pytest.mark.parametrize(
    ("body", "field", "english", "khmer"),
    [
        ({"event_type": "page_view"}, "session_id", "Send a session id, or sign in.", None),
        ({"event_type": "purchase", "session_id": "s1"}, "event_type", None, None),
        ({"event_type": "product_view", "session_id": "s1"}, "product_id", "This field is required.", None),
        ({"event_type": "page_view", "session_id": "bad id!"}, "session_id", None, None),
        ({"event_type": "page_view", "session_id": "s1", "metadata": {"x": "y" * 3000}}, "metadata", None, None),
        ({"event_type": "page_view", "session_id": "s1", "user_id": 5}, "user_id", "Unknown field.", None),
    ],
)
def test_track_event_refuses_bad_input_with_a_message(client, analytics, body, field, english, khmer):
    for headers in ({}, KM):
        response = client.post("/ml/v1/analytics/track-event", json=body, headers=headers)
        assert response.status_code in (400, 422)
        payload = response.get_json()
        assert payload["success"] is False
        [message] = payload["error"]["details"]["json"][field]
        if headers and english:
            assert message != english  # translated
        elif english:
            assert message == english
    assert analytics.user_docs() == []


def test_an_unknown_product_is_refused_in_khmer_too(client, analytics):
    body = {"event_type": "cart_add", "session_id": "s1", "product_id": 999999}
    english = client.post("/ml/v1/analytics/track-event", json=body).get_json()
    khmer = client.post("/ml/v1/analytics/track-event", json=body, headers=KM).get_json()
    assert english["error"]["details"]["json"]["product_id"] == ["Unknown product."]
    assert khmer["error"]["details"]["json"]["product_id"][0] not in ("", "Unknown product.")


def test_a_bad_token_is_401_not_a_guest(client, analytics):
    response = client.post(
        "/ml/v1/analytics/track-event",
        json={"event_type": "page_view", "session_id": "s1"},
        headers=bearer("not-a-token"),
    )
    assert response.status_code == 401


def test_track_purchase_only_for_ones_own_order_and_once(client, analytics, shopper):
    user, headers = shopper
    product = ProductFactory(category="masks")
    mine = OrderFactory(user=user)
    OrderItemFactory(order=mine, product=product, quantity=3)
    theirs = OrderFactory(user=UserFactory())
    assert client.post("/ml/v1/analytics/track-purchase", json={"order_id": mine.id}).status_code == 401
    refused = client.post("/ml/v1/analytics/track-purchase", json={"order_id": theirs.id}, headers=headers)
    assert refused.status_code == 404
    assert refused.get_json()["message"] == "We could not find that order."
    khmer = client.post("/ml/v1/analytics/track-purchase", json={"order_id": theirs.id}, headers={**headers, **KM})
    assert khmer.get_json()["message"] != "We could not find that order."
    for _ in range(2):
        sent = client.post("/ml/v1/analytics/track-purchase", json={"order_id": mine.id}, headers=headers)
        assert sent.status_code == 202
        analytics.flush()
    [purchase] = analytics.events("purchase")
    assert purchase["event_data"]["product_id"] == product.id
    assert purchase["event_data"]["metadata"]["quantity"] == 3
    assert purchase["event_data"]["metadata"]["order_id"] == mine.id
    missing = client.post("/ml/v1/analytics/track-purchase", json={"order_id": "x"}, headers=headers)
    assert missing.status_code == 422


def test_track_query_records_a_search_and_later_clicks(client, analytics):
    body = {
        "query": "Vitamin C",
        "session_id": "app-9",
        "filters": {"category": "serums", "skin_type": "dry", "price_range": {"min": "5.00"}, "brands": ["Dew"]},
        "results_count": 4,
    }
    created = client.post("/ml/v1/search/track-query", json=body)
    assert created.status_code == 202
    search_id = created.get_json()["data"]["search_id"]
    click = {"search_id": search_id, "session_id": "app-9", "clicked_products": [7, 7, 8]}
    assert client.post("/ml/v1/search/track-query", json=click).status_code == 202
    # Another session cannot add clicks to it.
    other = {"search_id": search_id, "session_id": "app-10", "clicked_products": [9]}
    assert client.post("/ml/v1/search/track-query", json=other).status_code == 202
    [search] = analytics.searches()
    assert search["search_query"] == "Vitamin C"
    assert search["filters_applied"]["category"] == "serums"
    assert search["filters_applied"]["brands"] == ["Dew"]
    assert str(search["filters_applied"]["price_range"]["min"]) == "5.00"
    assert search["filters_applied"]["price_range"]["max"] is None
    assert search["clicked_products"] == [7, 8]
    bad = client.post("/ml/v1/search/track-query", json={"session_id": "s", "skin": 1}, headers=KM)
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["json"]) == {"skin"}


def test_search_products_uses_the_catalog_search_and_records_it(client, analytics):
    product = ProductFactory(name_en="Snail Mucin Essence", description_en="Essence.", description_kh="អេសសិន។")
    response = client.post("/ml/v1/search/products", json={"q": "snail", "session_id": "app-1"})
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert [item["id"] for item in data["data"]] == [product.id]
    assert data["total_items"] == 1 if "total_items" in data else data["data"]
    [search] = analytics.searches()
    assert str(search["_id"]) == data["search_id"]
    assert (search["search_query"], search["results_count"], search["session_id"]) == ("snail", 1, "app-1")
    refused = client.post("/ml/v1/search/products", json={"q": ""}, headers=KM)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["json"]["q"][0] != "Must be at least 1 characters."


def test_trending_queries_are_public_and_need_several_sessions(client, analytics, app):
    with app.test_request_context():
        for session in ("a", "b", "c"):
            tracking.track_search(Visitor(session), "Sunscreen", SearchFilters(), 5)
        tracking.track_search(Visitor("a"), "my secret query", SearchFilters(), 3)
        tracking.track_search(Visitor("a"), "nothing here", SearchFilters(), 0)
        tracking.track_search(Visitor("b"), "nothing here", SearchFilters(), 0)
    analytics.flush()
    response = client.get("/ml/v1/search/trending-queries")
    assert response.status_code == 200
    assert response.get_json()["data"] == [{"query": "sunscreen", "searches": 3}]
    assert client.get("/ml/v1/search/trending-queries?limit=0").status_code == 422


def test_user_insights_for_the_user_or_staff_only(client, analytics, shopper, staff_headers, app):
    user, headers = shopper
    other = UserFactory()
    with app.test_request_context():
        tracking.track_event(Visitor("s1", user.id), EventType.PRODUCT_VIEW, product_id=4, category="toners")
        tracking.track_event(Visitor("s1", user.id), EventType.PRODUCT_VIEW, product_id=4, category="toners")
        tracking.track_event(Visitor("s2", user.id, IPHONE_AGENT), EventType.PAGE_VIEW, page_url="/")
    analytics.flush()
    mine = client.get(f"/ml/v1/analytics/user/{user.id}/insights", headers=headers)
    assert mine.status_code == 200
    data = mine.get_json()["data"]
    assert data["event_counts"] == {"page_view": 1, "product_view": 2, "cart_add": 0, "purchase": 0}
    assert (data["sessions"], data["devices"]) == (2, ["mobile", "other"])
    assert data["top_products"] == [{"product_id": 4, "views": 2}]
    assert data["top_categories"] == [{"category": "toners", "views": 2}]
    assert client.get(f"/ml/v1/analytics/user/{other.id}/insights", headers=headers).status_code == 403
    assert client.get(f"/ml/v1/analytics/user/{user.id}/insights").status_code == 401
    assert client.get(f"/ml/v1/analytics/user/{other.id}/insights", headers=staff_headers).status_code == 200
    refused = client.get(f"/ml/v1/analytics/user/{user.id}/insights?days=0", headers={**headers, **KM})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["details"]["query"]["days"][0] != "Must be at least 1."


IPHONE_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"


def test_product_stats_and_search_trends_are_for_staff(client, analytics, shopper, staff_headers, app):
    _user, headers = shopper
    product = ProductFactory()
    with app.test_request_context():
        for session in ("a", "b"):
            tracking.track_event(Visitor(session), EventType.PRODUCT_VIEW, product_id=product.id)
        tracking.track_event(Visitor("a"), EventType.CART_ADD, product_id=product.id)
        tracking.track_event(
            Visitor("a"), EventType.PURCHASE, product_id=product.id, metadata={"order_id": 1, "quantity": 2}
        )
        tracking.track_search(Visitor("a"), "toner", SearchFilters(), 3, [product.id])
        tracking.track_search(Visitor("b"), "Toner", SearchFilters(), 0)
    analytics.flush()
    url = f"/ml/v1/analytics/product/{product.id}/stats"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=headers).status_code == 403
    stats = client.get(url, headers=staff_headers).get_json()["data"]
    assert {k: stats[k] for k in ("views", "unique_viewers", "cart_adds", "purchases", "orders", "search_clicks")} == {
        "views": 2,
        "unique_viewers": 2,
        "cart_adds": 1,
        "purchases": 2,
        "orders": 1,
        "search_clicks": 1,
    }
    assert stats["conversion_rate"] == 0.5
    assert client.get("/ml/v1/analytics/product/999999/stats", headers=staff_headers).status_code == 404
    trends = client.get("/ml/v1/analytics/search-trends", headers=staff_headers)
    assert trends.status_code == 200
    data = trends.get_json()["data"]
    assert data["total_searches"] == 2
    assert data["top_queries"] == [
        {
            "query": "toner",
            "searches": 2,
            "sessions": 2,
            "avg_results": 1.5,
            "zero_results": 1,
            "click_through_rate": 0.5,
        }
    ]
    assert data["zero_result_queries"] == [{"query": "toner", "searches": 1}]
    assert client.get("/ml/v1/analytics/search-trends", headers=headers).status_code == 403


def test_performance_metrics_validates_the_dates(client, analytics, staff_headers):
    ok = client.get("/ml/v1/analytics/performance-metrics", headers=staff_headers)
    assert ok.status_code == 200 and ok.get_json()["data"]["days"] == []
    backwards = "/ml/v1/analytics/performance-metrics?date_from=2026-03-02&date_to=2026-03-01"
    english = client.get(backwards, headers=staff_headers).get_json()
    khmer = client.get(backwards, headers={**staff_headers, **KM}).get_json()
    assert english["error"]["details"]["query"]["date_from"] == ["Must not be after date_to."]
    assert khmer["error"]["details"]["query"]["date_from"][0] != "Must not be after date_to."
    bad = client.get("/ml/v1/analytics/performance-metrics?date_from=March", headers=staff_headers)
    assert bad.status_code == 422
    assert client.get("/ml/v1/analytics/performance-metrics").status_code == 401


def test_the_ml_api_is_rate_limited(client, analytics, app):
    app.config["RATE_LIMIT_REQUESTS"] = 2
    try:
        codes = [
            client.post("/ml/v1/analytics/track-event", json={"event_type": "page_view", "session_id": "s"}).status_code
            for _ in range(3)
        ]
    finally:
        app.config["RATE_LIMIT_REQUESTS"] = 100
    assert codes == [202, 202, 429]


def test_health_and_prometheus_metrics(client, analytics, app):
    with app.test_request_context():
        tracking.track_event(Visitor("s"), EventType.PAGE_VIEW, page_url="/", at=datetime.now(UTC))
    analytics.flush()
    health = client.get("/ml/health")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "ok" and body["mongo"] == {"ok": True, "detail": "ok"}
    assert body["event_buffer"]["depth"] == 0 and body["last_rollup"] is None
    text = client.get("/ml/metrics").text
    assert 'analytics_events_ingested_total{kind="event"}' in text
    assert "analytics_buffer_depth 0.0" in text
    assert "analytics_events_dropped_total" in text or "# HELP analytics_events_dropped" in text
