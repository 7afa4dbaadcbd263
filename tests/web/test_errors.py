"""Error pages in both languages, and the JSON envelope under /api."""

from __future__ import annotations

import pytest
from flask import Blueprint, abort

from shop.extensions import limiter

boom = Blueprint("boom", __name__)


@boom.get("/boom/limited")
@limiter.limit("1 per minute")
def limited():
    return "ok"


@boom.get("/boom/<int:code>")
def raise_code(code: int):
    if code == 500:
        raise RuntimeError("an unexpected failure")
    abort(code)


@boom.get("/api/v1/boom")
def api_boom():
    raise RuntimeError("an unexpected failure in the API")


@pytest.fixture
def error_client(make_app, database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, JOBS_RAISE=False)
    app.register_blueprint(boom)
    return app.test_client()


@pytest.mark.parametrize(
    ("code", "english", "khmer"),
    [
        (404, "Page not found", "រកមិនឃើញទំព័រ"),
        (403, "Access denied", "គ្មានសិទ្ធិចូលប្រើ"),
        (500, "Something went wrong", "មានបញ្ហាកើតឡើង"),
    ],
)
def test_error_pages_in_english_and_khmer(error_client, code, english, khmer):
    response = error_client.get(f"/boom/{code}")
    assert response.status_code == code
    assert english in response.text
    assert '<html lang="en">' in response.text
    response = error_client.get(f"/boom/{code}?lang=km")
    assert response.status_code == code
    assert khmer in response.text
    assert '<html lang="km">' in response.text


@pytest.mark.parametrize(("lang", "title"), [("en", "Too many requests"), ("km", "សំណើច្រើនពេក")])
def test_rate_limited_page_is_429_with_retry_after(error_client, lang, title):
    assert error_client.get(f"/boom/limited?lang={lang}").status_code == 200
    response = error_client.get(f"/boom/limited?lang={lang}")
    assert response.status_code == 429
    assert title in response.text
    assert f'<html lang="{lang}">' in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_unknown_page_is_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_api_errors_use_the_seed_envelope(client):
    response = client.get("/api/v1/no-such-endpoint", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 404
    assert response.get_json() == {
        "success": False,
        "message": "We could not find the page you were looking for.",
        "error": {"code": 404, "request_id": "req-123"},
    }


def test_api_errors_are_in_the_requests_language(client):
    response = client.get("/api/v1/no-such-endpoint", headers={"Accept-Language": "km"})
    assert response.get_json()["message"] == "យើងរកមិនឃើញទំព័រដែលអ្នកកំពុងស្វែងរកទេ។"


def test_api_500_is_json_and_does_not_leak_the_exception(error_client):
    response = error_client.get("/api/v1/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["success"] is False
    assert "unexpected failure" not in response.text


def test_no_storefront_page_declares_a_rate_limit(app):
    """Storefront GETs skip the limiter (shop.create_app): a limit declared on one would never
    apply. The limits the storefront declares are on POST only."""
    from flask_limiter.util import get_qualified_name

    from shop.extensions import limiter

    storefront = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("storefront.")]
    declared = 0
    for rule in storefront:
        name = get_qualified_name(app.view_functions[rule.endpoint])
        for limit in limiter.limit_manager.decorated_limits(name):
            declared += 1
            assert limit.methods and not {"get", "head"} & {m.lower() for m in limit.methods}, rule.rule
    assert limiter.limit_manager.blueprint_limits(app, "storefront") == []
    assert limiter.limit_manager.default_limits == []
    # The global per-address limit (RATE_LIMIT_GLOBAL) is an application limit: page views skip it
    # through the request filter (tests/api/test_races_and_limits.py sends them past it).
    with app.app_context():
        assert len(limiter.limit_manager.application_limits) == 1
    assert declared >= 4  # sign-up, the two email forms, password change: the guard sees them
