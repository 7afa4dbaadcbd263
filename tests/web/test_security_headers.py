"""The security headers, from one place, on pages, the API, static files and the product
pages served from the page cache before Flask; HSTS only in production over HTTPS."""

from __future__ import annotations

import pytest

from tests.factories import ProductFactory

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _check(response, referrer: str = "strict-origin-when-cross-origin") -> None:
    assert {name: response.headers.get(name) for name in EXPECTED} == {**EXPECTED, "Referrer-Policy": referrer}
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("style-src-attr")[0]  # no inline script, no <style> element
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # not production, not HTTPS


@pytest.mark.parametrize("url", ["/", "/shop", "/api/v1/products", "/health", "/static/js/actions.js", "/nowhere"])
def test_every_kind_of_response_carries_the_headers(client, db, url):
    _check(client.get(url))


def test_account_pages_keep_no_referrer(client, db):
    _check(client.get("/account/login"), referrer="no-referrer")


def test_the_cached_product_page_served_before_flask_carries_them_too(client, db):
    slug = ProductFactory().slug
    first = client.get(f"/products/{slug}")  # rendered by Flask, cached
    _check(first)
    cached = client.__class__(client.application).get(f"/products/{slug}")  # a new visitor: served from the cache
    assert cached.headers.get("Set-Cookie", "").count("session") == 0
    _check(cached)


def test_hsts_in_production_over_https_only(make_app, database_url):
    shop = make_app(SQLALCHEMY_DATABASE_URI=database_url, ENV_NAME="production", RATELIMIT_STORAGE_URI="memory://")
    secure = shop.test_client().get("/health", base_url="https://shop.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in shop.test_client().get("/health").headers
