"""The daily performance_metrics rollup on known data, its CLI, and the collections' indexes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from bson.decimal128 import Decimal128

from shop.analytics import tracking
from shop.analytics.rollup import rollup
from shop.analytics.tracking import EventType, Visitor
from shop.analytics.writer import ensure_indexes
from shop.orders.models import OrderStatus
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, UserFactory

# Recent: raw events older than ANALYTICS_RAW_TTL_DAYS expire (mongomock expires them too).
DAY = datetime.now(UTC).date() - timedelta(days=3)
NOON = datetime.combine(DAY, time(12), tzinfo=UTC)


def _known_day(app):
    early = UserFactory(created_at=NOON - timedelta(days=30))
    new = UserFactory(created_at=NOON)
    UserFactory(created_at=NOON + timedelta(days=1))  # registered the next day: not counted
    toner = ProductFactory(category="toners", price=Decimal("10.00"))
    serum = ProductFactory(category="serums", price=Decimal("33.33"))
    first = OrderFactory(
        user=early,
        created_at=NOON,
        subtotal=Decimal("20.00"),
        tax_amount=Decimal("2.00"),
        shipping_amount=Decimal("1.50"),
    )
    OrderItemFactory(order=first, product=toner, quantity=2)
    second = OrderFactory(
        user=new,
        created_at=NOON,
        subtotal=Decimal("33.33"),
        tax_amount=Decimal("3.33"),
        shipping_amount=Decimal("1.50"),
    )
    OrderItemFactory(order=second, product=serum, quantity=1)
    cancelled = OrderFactory(user=new, created_at=NOON, status=OrderStatus.CANCELLED)
    OrderItemFactory(order=cancelled, product=serum, quantity=5)
    OrderFactory(user=early, created_at=NOON - timedelta(days=1))  # the day before
    with app.test_request_context():
        for session, user_id in (("s1", None), ("s2", early.id), ("s3", None)):
            tracking.track_event(
                Visitor(session, user_id), EventType.PRODUCT_VIEW, product_id=toner.id, category="toners", at=NOON
            )
        tracking.track_event(Visitor("s1"), EventType.PRODUCT_VIEW, product_id=serum.id, category="serums", at=NOON)
        tracking.track_event(Visitor("s9", new.id), EventType.PAGE_VIEW, page_url="/", at=NOON - timedelta(days=2))
    return early, new, toner, serum


def test_rollup_figures_on_known_data(app, analytics):
    early, new, toner, serum = _known_day(app)
    analytics.flush()
    rollup(DAY)
    [doc] = list(analytics.mongo["performance_metrics"].find())
    assert set(doc) == {"_id", "date", "metrics", "created_at"}
    assert doc["date"] == datetime.combine(DAY, time.min, tzinfo=UTC)
    metrics = doc["metrics"]
    assert list(metrics) == [
        "total_users",
        "active_users",
        "new_registrations",
        "total_orders",
        "revenue",
        "avg_order_value",
        "popular_products",
        "popular_categories",
    ]
    assert metrics["total_users"] == 2
    assert metrics["active_users"] == 2  # early viewed and bought; new bought
    assert metrics["new_registrations"] == 1
    assert metrics["total_orders"] == 2
    assert metrics["revenue"] == Decimal128("61.66")  # 23.50 + 38.16
    assert metrics["avg_order_value"] == Decimal128("30.83")
    assert metrics["popular_products"] == [
        {"product_id": toner.id, "views": 3, "purchases": 2},
        {"product_id": serum.id, "views": 1, "purchases": 1},
    ]
    assert metrics["popular_categories"] == [
        {"category": "toners", "views": 3, "purchases": 2},
        {"category": "serums", "views": 1, "purchases": 1},
    ]
    rollup(DAY)  # run again: replaced, not doubled
    assert analytics.mongo["performance_metrics"].count_documents({}) == 1


def test_the_cli_computes_a_day_and_the_endpoint_shows_it(app, analytics, client, staff_headers):
    _known_day(app)
    analytics.flush()
    result = app.test_cli_runner().invoke(args=["metrics", "rollup", "--date", DAY.isoformat(), "--now"])
    assert result.exit_code == 0, result.output
    assert f"Metrics for {DAY} computed." in result.output
    span = f"date_from={DAY - timedelta(days=5)}&date_to={DAY + timedelta(days=1)}"
    response = client.get(f"/ml/v1/analytics/performance-metrics?{span}", headers=staff_headers)
    [day] = response.get_json()["data"]["days"]
    assert day["date"] == DAY.isoformat()
    assert (day["metrics"]["revenue"], day["metrics"]["avg_order_value"]) == ("61.66", "30.83")
    assert client.get("/ml/health").get_json()["last_rollup"] is not None
    queued = app.test_cli_runner().invoke(args=["metrics", "rollup", "--date", "2026-03-11"])
    assert queued.exit_code == 0 and "enqueued" in queued.output


def test_indexes_and_the_ttl_of_raw_events(app, analytics):
    app.config["ANALYTICS_RAW_TTL_DAYS"] = 30
    analytics.buffer.appending = False  # as with a MongoDB server (MONGO_URI)
    try:
        result = app.test_cli_runner().invoke(args=["analytics", "indexes"])
    finally:
        app.config["ANALYTICS_RAW_TTL_DAYS"] = 90
        analytics.buffer.appending = True
    assert result.exit_code == 0, result.output
    users = analytics.mongo["user_analytics"].index_information()
    searches = analytics.mongo["search_analytics"].index_information()
    assert users["created_at_ttl"]["expireAfterSeconds"] == 30 * 86400
    assert searches["timestamp_ttl"]["expireAfterSeconds"] == 30 * 86400
    assert users["user_time"]["key"] == [("user_id", 1), ("created_at", -1)]
    assert users["session_time"]["key"] == [("session_id", 1), ("created_at", -1)]
    assert users["event_type_time"]["key"] == [("events.event_type", 1), ("events.event_data.timestamp", 1)]
    assert searches["query_time"]["key"] == [("search_query", 1), ("timestamp", -1)]
    assert analytics.mongo["performance_metrics"].index_information()["date"]["unique"] is True
    ensure_indexes(analytics.mongo, 30)  # idempotent


def test_the_embedded_store_gets_no_ttl_index(app, analytics):
    """mongomock scans every document for expiry on every read and write of a collection with a
    TTL index; the embedded store is expired by trim_embedded instead."""
    assert analytics.buffer.appending
    result = app.test_cli_runner().invoke(args=["analytics", "indexes"])
    assert result.exit_code == 0, result.output
    users = analytics.mongo["user_analytics"].index_information()
    assert "user_time" in users
    assert not [name for name, index in users.items() if "expireAfterSeconds" in index]
