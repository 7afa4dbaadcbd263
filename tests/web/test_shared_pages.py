"""Cached product pages served before Flask to visitors without a session
(storefront.shared_pages), and product cards drawn once per product state (storefront.cards).
Real PostgreSQL and Redis."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product
from storefront import cards
from tests.factories import ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add, token

D = Decimal
CSRF_INPUTS = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def counted(make_app, database_url, servers, db):
    """A fresh app that counts the requests Flask itself handles."""
    application = make_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=servers.redis_url)
    application.flask_requests = []

    @application.before_request
    def _count():
        from flask import request

        application.flask_requests.append(request.full_path.rstrip("?"))

    return application


def test_a_cached_page_reaches_an_anonymous_visitor_without_flask(counted):
    item = ProductFactory(name_en="Glow Serum")
    visitor = counted.test_client()
    first = visitor.get(f"/products/{item.slug}")  # rendered by Flask, and cached
    assert len(counted.flask_requests) == 1
    again = visitor.get(f"/products/{item.slug}")
    khmer = visitor.get(f"/products/{item.slug}?lang=km")  # the Khmer page is rendered once too
    khmer_again = visitor.get(f"/products/{item.slug}?lang=km&from_search=" + "a" * 24)
    assert len(counted.flask_requests) == 2
    assert first.status_code == again.status_code == khmer_again.status_code == 200
    assert "Glow Serum" in again.text
    assert '<html lang="km">' in khmer_again.text
    assert visitor.get_cookie("lang").value == "km"
    # The same headers as from Flask
    for header in ("Cache-Control", "Last-Modified", "Vary", "X-Request-ID"):
        assert header in again.headers, header
    assert again.headers["Content-Type"] == "text/html; charset=utf-8"
    assert set(CSRF_INPUTS.findall(again.text)) == {token(visitor, "/")}
    assert khmer.status_code == 200


def test_a_first_time_visitor_gets_a_browser_id_with_the_cached_page(counted):
    item = ProductFactory()
    counted.test_client().get(f"/products/{item.slug}")  # cached by someone else
    newcomer = counted.test_client()
    page = newcomer.get(f"/products/{item.slug}")
    assert len(counted.flask_requests) == 1
    browser = newcomer.get_cookie("browser")
    assert browser is not None
    assert set(CSRF_INPUTS.findall(page.text)) == {token(newcomer, "/")}
    assert (
        newcomer.post(
            "/cart/add", data={"product_id": item.id, "quantity": 1, "csrf_token": token(newcomer, "/")}
        ).status_code
        == 303
    )


def test_a_304_when_the_visitors_copy_is_current(counted):
    item = ProductFactory()
    visitor = counted.test_client()
    visitor.get(f"/products/{item.slug}")
    page = visitor.get(f"/products/{item.slug}")
    again = visitor.get(f"/products/{item.slug}", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    since = visitor.get(f"/products/{item.slug}", headers={"If-Modified-Since": page.headers["Last-Modified"]})
    assert since.status_code == 304
    other = counted.test_client()
    assert other.get(f"/products/{item.slug}", headers={"If-None-Match": page.headers["ETag"]}).status_code == 200
    assert len(counted.flask_requests) == 1


@pytest.mark.parametrize("who", ["guest with a cart", "signed in", "other query"])
def test_everyone_else_goes_to_flask(counted, who):
    item = ProductFactory(name_en="Glow Serum", price=D("18.00"))
    shopper = counted.test_client()
    shopper.get(f"/products/{item.slug}")  # cached
    url = f"/products/{item.slug}"
    if who == "guest with a cart":
        add(shopper, ProductFactory())
    elif who == "signed in":
        sign_in(shopper, UserFactory().email)
    else:
        url += "?utm_source=news"
    before = len(counted.flask_requests)
    page = shopper.get(url)
    assert page.status_code == 200
    assert counted.flask_requests[before:] == [url]


def test_the_access_line_is_logged_with_the_request_id(counted, log_lines):
    item = ProductFactory()
    counted.test_client().get(f"/products/{item.slug}")
    response = counted.test_client().get(f"/products/{item.slug}", headers={"X-Request-ID": "req-42"})
    line = log_lines()[-1]
    assert response.headers["X-Request-ID"] == "req-42"
    assert (line["method"], line["path"], line["status"], line["request_id"]) == (
        "GET",
        f"/products/{item.slug}",
        200,
        "req-42",
    )
    assert len(counted.flask_requests) == 1


# ---------------------------------------------------------------- cards


def test_a_card_shows_only_its_card_fields(app, db):
    """storefront.cards keys a card on CARD_FIELDS: a card that showed any other column would
    go stale when only that column changed."""
    item = ProductFactory(short_description="Calms", skin_type="oily", rating_avg=D("4.5"), rating_count=8)
    with app.test_request_context("/shop"):
        first = cards._draw([item], set(), from_search=True)
        for column in Product.__table__.columns.keys():  # noqa: SIM118 (a ColumnCollection)
            if column in cards.CARD_FIELDS:
                continue
            value = getattr(item, column)
            if isinstance(value, str):
                setattr(item, column, value + " changed")
            elif isinstance(value, bool):
                setattr(item, column, not value)
            elif isinstance(value, int | Decimal):
                setattr(item, column, value + 1)
        assert cards._draw([item], set(), from_search=True) == first
        item.price = item.price + 1
        assert cards._draw([item], set(), from_search=True) != first
    db.session.rollback()


def test_a_changed_product_gets_a_new_card_at_once(client, db):
    item = ProductFactory(name_en="Glow Serum", price=D("18.00"))
    assert "$18.00" in client.get("/shop").text
    db.session.execute(sa.update(Product).where(Product.id == item.id).values(price=D("21.00"), stock=0))
    db.session.commit()
    listing = client.get("/shop").text
    assert "$21.00" in listing and "$18.00" not in listing
    assert "Out of stock" in listing


def test_card_holes_are_filled_for_each_page(client, db):
    first, second = ProductFactory(name_en="Glow Serum"), ProductFactory(name_en="Rice Toner")
    page = client.get("/shop?sort=newest&page=1").text
    assert "hole" not in page
    assert set(CSRF_INPUTS.findall(page)) == {token(client, "/")}
    assert page.count('name="next" value="/shop?sort=newest&amp;page=1"') == 4  # two forms per card
    hearts = re.findall(r'class="heart" id="([^"]+)"', page)
    assert len(hearts) == 2 and len(set(hearts)) == 2
    other = client.get("/shop?sort=price_asc").text
    assert 'name="next" value="/shop?sort=price_asc"' in other
    searched = client.get("/shop?q=serum").text
    search_id = re.search(r"from_search=([0-9a-f]{24})", searched).group(1)
    assert f'href="/products/{first.slug}?from_search={search_id}"' in searched
    assert f'href="/products/{second.slug}"' in other


def test_signed_in_shoppers_see_their_saved_hearts(client, db):
    item = ProductFactory(name_en="Glow Serum")
    client.get("/shop")  # the anonymous card is drawn
    sign_in(client, UserFactory().email)
    client.post(f"/wishlist/toggle/{item.id}", data={"csrf_token": token(client, "/shop")})
    page = client.get("/shop").text
    assert 'aria-pressed="true"' in page


def test_behind_a_trusted_proxy_both_paths_see_the_clients_address(make_app, database_url, servers, db, log_lines):
    """ProxyFix wraps the whole app, the shared pages included (TRUSTED_PROXIES hops)."""
    proxied = make_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=servers.redis_url, TRUSTED_PROXIES=1)
    item = ProductFactory()
    client = proxied.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    client.get(f"/products/{item.slug}", headers=forwarded)  # through Flask, cached
    client.get(f"/products/{item.slug}", headers=forwarded)  # before Flask
    lines = [line for line in log_lines() if line.get("path") == f"/products/{item.slug}"]
    assert [line["ip"] for line in lines] == ["203.0.113.9", "203.0.113.9"]
