"""Server-side sessions in Redis (shop/infra/sessions.py): none for a visitor who only looks around;
written when they change, and an unchanged one only every SESSION_REFRESH_SECONDS, which pushes
its 24-hour expiry back."""

from __future__ import annotations

from tests.factories import ProductFactory
from tests.web.test_cart_pages import add

DAY = 24 * 3600


def test_looking_around_creates_no_session(client, db, redis_client):
    """Pages, a product page (cached or not), a search and a language switch: no session in
    Redis and no session cookie, only the browser id and the language cookies."""
    item = ProductFactory(name_en="Glow Serum")
    for url in ("/", "/shop", "/shop?q=serum", f"/products/{item.slug}", f"/products/{item.slug}?lang=km", "/"):
        assert client.get(url).status_code == 200, url
    assert list(redis_client.scan_iter("session:*")) == []
    assert client.get_cookie("session") is None
    assert client.get_cookie("browser") is not None
    assert client.get_cookie("lang").value == "km"


def test_an_unchanged_session_is_written_back_only_once_per_refresh_interval(
    app, client, db, redis_client, monkeypatch
):
    add(client, ProductFactory())  # a guest cart lives in the session
    client.get("/cart")  # the first refresh stamp
    [key] = list(redis_client.scan_iter("session:*"))
    assert DAY - 60 < redis_client.ttl(key) <= DAY

    redis_client.expire(key, 100)  # as if it had been written a while ago
    client.get("/cart")
    assert redis_client.ttl(key) <= 100  # nothing changed, refreshed recently: not written

    monkeypatch.setitem(app.config, "SESSION_REFRESH_SECONDS", 0)
    client.get("/cart")
    assert redis_client.ttl(key) > DAY - 60  # due for a refresh: written with a new expiry


def test_a_changed_session_is_written_at_once(app, client, db, redis_client):
    first, second = ProductFactory(), ProductFactory()
    add(client, first)
    client.get("/cart")
    [key] = list(redis_client.scan_iter("session:*"))
    redis_client.expire(key, 100)
    add(client, second)  # the cart changes
    assert redis_client.ttl(key) > DAY - 60
    assert str(second.id).encode() in redis_client.get(key)
