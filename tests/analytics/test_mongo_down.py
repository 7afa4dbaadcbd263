"""With MongoDB unreachable (real pymongo, a closed port) the shop works and is fast; the events
are dropped and counted, reads answer 503 in the envelope, and /ml/health says so."""

from __future__ import annotations

import time
from decimal import Decimal

from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AddressFactory, AdminFactory, ProductFactory, UserFactory

DOWN = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200&connectTimeoutMS=200"


def test_checkout_and_pages_work_fast_when_mongo_is_down(make_app, database_url, db):
    # No Redis: jobs run inline, and the confirmation email (no SMTP server here) may fail quietly.
    app = make_app(
        SQLALCHEMY_DATABASE_URI=database_url, MONGO_URI=DOWN, RATELIMIT_STORAGE_URI="memory://", JOBS_RAISE=False
    )
    client = app.test_client()
    with app.app_context():
        user = UserFactory(email="down@example.com")
        AdminFactory(email="boss@example.com")
        address = AddressFactory(user=user)
        product = ProductFactory(price=Decimal("12.50"), stock=5)
        slug, product_id, address_id = product.slug, product.id, address.id

    for url in ("/", f"/products/{slug}", "/shop?q=toner"):
        started = time.perf_counter()
        page = client.get(url)
        assert page.status_code == 200
        assert time.perf_counter() - started < 1.0, url

    headers = bearer(login(client, "down@example.com", PASSWORD)["access_token"])
    started = time.perf_counter()
    assert (
        client.post("/api/v1/cart/add", json={"product_id": product_id, "quantity": 1}, headers=headers).status_code
        == 200
    )
    placed = client.post("/api/v1/orders", json={"address_id": address_id}, headers=headers)
    assert placed.status_code == 201
    tracked = client.post("/ml/v1/analytics/track-event", json={"event_type": "page_view", "session_id": "s"})
    assert tracked.status_code == 202
    assert time.perf_counter() - started < 2.0

    buffer = app.extensions["analytics_buffer"]
    waiting = buffer.depth + buffer.dropped
    assert waiting > 0
    assert buffer.flush() == 0
    assert buffer.dropped >= waiting and buffer.last_error == "ServerSelectionTimeoutError"

    health = client.get("/ml/health")
    assert health.status_code == 503
    assert health.get_json()["mongo"] == {"ok": False, "detail": "ServerSelectionTimeoutError"}
    metrics = client.get("/ml/metrics").text
    assert 'analytics_events_dropped_total{reason="store_error"}' in metrics

    staff = bearer(login(client, "boss@example.com", PASSWORD, path="/api/v1/admin/login")["access_token"])
    for lang, message in (("en", "Analytics are unavailable right now. Please try again later."), ("km", None)):
        response = client.get("/ml/v1/analytics/search-trends", headers={**staff, "Accept-Language": lang})
        assert response.status_code == 503
        body = response.get_json()
        assert body["success"] is False
        if message:
            assert body["message"] == message
        else:
            assert body["message"] != "Analytics are unavailable right now. Please try again later."
