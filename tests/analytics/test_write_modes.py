"""The two ways a batch is written: upserts for a MongoDB server, appends for the embedded store.
Readers must see the same events, sessions, searches and clicks either way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shop.analytics import insights
from shop.analytics.tracking import EventType, Pending, SearchFilters, Visitor
from shop.analytics.writer import trim_embedded, write_batch
from tests.analytics.sample_events import ALICE, BOB
from tests.analytics.sample_events import make_event as _event


def _search(visitor: Visitor, search_id, query: str = "serum") -> Pending:
    payload = {
        "_id": search_id,
        "search_query": query,
        "filters": SearchFilters(),
        "results_count": 3,
        "clicked_products": [],
    }
    return Pending("search", visitor, payload)


def _click(visitor: Visitor, search_id, product_id: int) -> Pending:
    return Pending("click", visitor, {"search_id": search_id, "product_id": product_id})


@pytest.mark.parametrize("appending", [False, True], ids=["server", "embedded"])
def test_both_modes_store_the_same_events_searches_and_clicks(app, analytics, appending):
    from bson import ObjectId

    mongo = analytics.mongo
    first_search, second_search = ObjectId(), ObjectId()
    batches = [
        [
            _event(ALICE, EventType.PRODUCT_VIEW, 1),
            _event(BOB, EventType.PAGE_VIEW),
            _search(ALICE, first_search),
            _click(ALICE, first_search, 1),  # same batch as its search
            _click(BOB, first_search, 2),  # another session's search: ignored
            _event(ALICE, EventType.PURCHASE, 1, order_id=55, quantity=2),
        ],
        [
            _event(ALICE, EventType.PRODUCT_VIEW, 2),
            _event(ALICE, EventType.PURCHASE, 1, order_id=55, quantity=2),  # a retried checkout
            _search(BOB, second_search, "toner"),
        ],
        [_click(ALICE, first_search, 3), _click(BOB, second_search, 4), _click(ALICE, first_search, 1)],
    ]
    written = [write_batch(mongo, batch, appending=appending) for batch in batches]

    assert written[0] == {"event": 3, "search": 1, "click": 1}
    assert written[1] == {"event": 1, "search": 1}  # the purchase was recorded already
    assert written[2] == {"click": 3}
    documents = list(mongo["user_analytics"].find())
    events = [event for doc in documents for event in doc["events"]]
    assert sorted(e["event_type"] for e in events) == ["page_view", "product_view", "product_view", "purchase"]
    assert {doc["session_id"] for doc in documents} == {"alice-session", "bob-session"}
    # Upserts keep one document per session and day; appends one per session and batch.
    assert len(documents) == (3 if appending else 2)
    assert all(doc["device_info"]["device_type"] for doc in documents)
    clicked = {doc["search_query"]: sorted(doc["clicked_products"]) for doc in mongo["search_analytics"].find()}
    assert clicked == {"serum": [1, 3], "toner": [4]}
    with app.app_context():
        seen = insights.user_insights(7)
    assert seen["sessions"] == 1
    assert seen["event_counts"]["product_view"] == 2
    assert seen["event_counts"]["purchase"] == 1
    assert [p["product_id"] for p in seen["top_products"]] == [1, 2]


def test_trim_expires_old_raw_events_and_caps_the_embedded_store(analytics):
    mongo = analytics.mongo
    now = datetime.now(UTC)
    old = now - timedelta(days=40)
    for offset in range(5):
        at = now - timedelta(minutes=10 - offset)
        write_batch(mongo, [_event(Visitor(f"s{offset}"), EventType.PAGE_VIEW, at=at)], appending=True)
    write_batch(mongo, [_event(Visitor("old"), EventType.PAGE_VIEW, at=old)], appending=True)
    mongo["search_analytics"].insert_one({"search_query": "old", "timestamp": old, "session_id": "old"})

    removed = trim_embedded(mongo, raw_ttl_days=30, max_documents=3, now=now)

    assert removed == 1 + 1 + 2  # the old event and the old search, then the two oldest recent events
    kept = sorted(doc["session_id"] for doc in mongo["user_analytics"].find())
    assert kept == ["s2", "s3", "s4"]
    assert mongo["search_analytics"].count_documents({}) == 0
    assert trim_embedded(mongo, raw_ttl_days=30, max_documents=3, now=now) == 0


def test_the_buffer_thread_trims_only_the_embedded_store(app, analytics):
    buffer = analytics.buffer
    now = datetime.now(UTC)
    write_batch(analytics.mongo, [_event(Visitor("ancient"), EventType.PAGE_VIEW, at=now - timedelta(days=400))])
    buffer.appending = False
    try:
        assert buffer.trim() == 0  # a MongoDB server's TTL index does it
    finally:
        buffer.appending = True
    assert analytics.mongo["user_analytics"].count_documents({}) == 1
    assert buffer.trim() == 1
    assert analytics.mongo["user_analytics"].count_documents({}) == 0


def test_analytics_turned_off_records_nothing(analytics, client):
    buffer = analytics.buffer
    buffer.enabled = False
    try:
        assert client.get("/").status_code == 200
        assert buffer.depth == 0
    finally:
        buffer.enabled = True
    assert client.get("/").status_code == 200
    assert [e["event_data"]["page_url"] for e in analytics.events("page_view")] == ["/"]
