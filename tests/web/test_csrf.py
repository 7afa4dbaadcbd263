"""CSRF protection without a session (shop/infra/csrf.py, shop/infra/browser.py): the token is an HMAC of
the browser id cookie. Real PostgreSQL and Redis; the real check."""

from __future__ import annotations

import re

import pytest

from shop.infra import browser
from tests.factories import ProductFactory, UserFactory
from tests.web.test_account_pages import csrf_token, khmer, sign_in, signed_out
from tests.web.test_cart_pages import token


def test_the_token_belongs_to_the_browser(app, db):
    item = ProductFactory()
    first, second = app.test_client(), app.test_client()
    mine = token(first, "/")
    theirs = token(second, "/")
    assert mine != theirs
    assert token(first, f"/products/{item.slug}") == mine  # the same on every page, cached ones too
    # Another browser's token is refused; this browser's own one is taken.
    refused = first.post("/cart/add", data={"product_id": item.id, "quantity": 1, "csrf_token": theirs})
    assert refused.status_code == 400
    taken = first.post("/cart/add", data={"product_id": item.id, "quantity": 1, "csrf_token": mine})
    assert taken.status_code == 303


def test_htmx_sends_the_token_as_a_header(client, db):
    item = ProductFactory()
    headers = {"HX-Request": "true", "X-CSRFToken": token(client, "/")}
    assert client.post("/cart/add", data={"product_id": item.id, "quantity": 1}, headers=headers).status_code == 200
    headers["X-CSRFToken"] = "0" * 64
    assert client.post("/cart/add", data={"product_id": item.id, "quantity": 1}, headers=headers).status_code == 400


def test_a_post_from_a_browser_without_the_cookie_is_refused(app, db):
    """A token copied out of a page does not work without the cookie it was made from."""
    stolen = token(app.test_client(), "/")
    response = app.test_client().post("/account/login", data={"email": "a@example.com", "csrf_token": stolen})
    assert response.status_code == 400


@pytest.mark.parametrize("lang", ["en", "km"])
def test_the_refusal_says_why_in_the_pages_language(app, client, db, lang):
    client.get(f"/?lang={lang}")
    missing = client.post("/account/login", data={"email": "a@example.com"})
    wrong = client.post("/account/login", data={"email": "a@example.com", "csrf_token": "forged"})
    expected_missing = "The form was sent without its security token. Please reload the page and try again."
    expected_wrong = "This form has expired. Please reload the page and try again."
    if lang == "km":
        expected_missing, expected_wrong = khmer(app, expected_missing), khmer(app, expected_wrong)
    assert missing.status_code == wrong.status_code == 400
    assert expected_missing in missing.text
    assert expected_wrong in wrong.text


def test_over_https_the_request_must_come_from_this_site(app, db):
    user = UserFactory()
    client = app.test_client()
    base = "https://shop.example"
    page = client.get("/account/login", base_url=base)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"email": user.email, "password": "x", "csrf_token": form_token}
    elsewhere = client.post("/account/login", data=form, base_url=base, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 400
    assert "another site" in elsewhere.text
    nothing = client.post("/account/login", data=form, base_url=base)
    assert nothing.status_code == 400
    here = client.post("/account/login", data=form, base_url=base, headers={"Origin": base})
    assert here.status_code == 400  # the wrong password, said on the form, not a CSRF refusal
    assert "another site" not in here.text and "security token" not in here.text
    via_referer = client.post("/account/login", data=form, base_url=base, headers={"Referer": base + "/account/login"})
    assert "another site" not in via_referer.text


def test_the_browser_cookie_is_http_only_and_lax(client):
    cookie = next(h for h in client.get("/").headers.getlist("Set-Cookie") if h.startswith("browser="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    assert client.get("/").headers.get("Set-Cookie") is None  # sent once


def test_with_secure_cookies_the_browser_cookie_cannot_be_set_by_another_site(make_app, database_url, servers, db):
    secure = make_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=servers.redis_url, SESSION_COOKIE_SECURE=True)
    cookie = next(
        h
        for h in secure.test_client().get("/", base_url="https://shop.example").headers.getlist("Set-Cookie")
        if h.startswith("__Host-browser=")
    )
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_a_made_up_browser_id_is_replaced(app, client, db):
    client.set_cookie("browser", "not-an-id")
    response = client.get("/")
    fresh = client.get_cookie("browser").value
    assert fresh != "not-an-id"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    with app.test_request_context(headers={"Cookie": f"browser={fresh}"}):
        assert browser.browser_id() == fresh
    assert response.status_code == 200


def test_signing_in_and_out_changes_the_token(client, db):
    user = UserFactory()
    before = csrf_token(client, "/account/login")
    sign_in(client, user.email)
    during = token(client, "/account")
    assert during != before
    assert client.post("/account/logout", data={"csrf_token": during}).status_code == 302
    assert signed_out(client)
    assert token(client, "/") != during


def test_the_api_is_exempt(client, db):
    response = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"})
    assert response.status_code in (400, 401)
    assert "security token" not in response.text
