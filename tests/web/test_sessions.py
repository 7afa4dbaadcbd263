"""Server-side sessions in Redis (shop/sessions.py): written when they change, and an unchanged
one only every SESSION_REFRESH_SECONDS, which pushes its 24-hour expiry back."""

from __future__ import annotations

DAY = 24 * 3600


def test_an_unchanged_session_is_written_back_only_once_per_refresh_interval(
    app, client, db, redis_client, monkeypatch
):
    client.get("/account/login")  # a form: the session gets its CSRF token
    client.get("/account/login")  # the first refresh stamp and the sign-in machinery's flags
    [key] = list(redis_client.scan_iter("session:*"))
    assert DAY - 60 < redis_client.ttl(key) <= DAY

    redis_client.expire(key, 100)  # as if it had been written a while ago
    client.get("/account/login")
    assert redis_client.ttl(key) <= 100  # nothing changed, refreshed recently: not written

    monkeypatch.setitem(app.config, "SESSION_REFRESH_SECONDS", 0)
    client.get("/account/login")
    assert redis_client.ttl(key) > DAY - 60  # due for a refresh: written with a new expiry


def test_a_changed_session_is_written_at_once(app, client, db, redis_client):
    client.get("/account/login")
    client.get("/account/login")
    [key] = list(redis_client.scan_iter("session:*"))
    redis_client.expire(key, 100)
    client.get("/?lang=km")  # the language choice goes into the session
    assert redis_client.ttl(key) > DAY - 60
    assert b"km" in redis_client.get(key)
