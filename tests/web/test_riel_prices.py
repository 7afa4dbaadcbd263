"""Riel beside dollars on every price the shopper sees (KHR_PER_USD, half-up to 100 riel), in
English and Khmer, in pages, emails and the API; a new rate shows at once. Real PostgreSQL,
Redis and SMTP."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from shop.accounts.models import Language
from shop.i18n import money_and_riel as money_riel_text
from storefront.templating import money_riel
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AddressFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add, by_id
from tests.web.test_checkout_pages import place, place_form, review

D = Decimal
RIEL = re.compile(r'<span class="price-khr"><span aria-hidden="true"> · ([^<]*)</span>')


def riel_by_id(text: str, element_id: str) -> str:
    """The riel shown beside the price in the element with this id."""
    match = re.search(
        rf'id="{element_id}"[^>]*>[^<]*<span class="price-khr"><span aria-hidden="true"> · ([^<]*)<', text
    )
    assert match, f"no riel in #{element_id}"
    return html.unescape(match.group(1))


def shown_riel(text: str) -> list[str]:
    return [html.unescape(r) for r in RIEL.findall(text)]


# ---------------------------------------------------------------- the helper


def test_money_riel_in_english(app):
    with app.test_request_context("/"):
        assert str(money_riel(D("18.00"))) == (
            '$18.00<span class="price-khr"><span aria-hidden="true"> · ៛73,800</span>'
            '<span class="visually-hidden">, 73,800 riel</span></span>'
        )
        assert str(money_riel(D("2.00"), "−")) == (
            '−$2.00<span class="price-khr"><span aria-hidden="true"> · −៛8,200</span>'
            '<span class="visually-hidden">, −8,200 riel</span></span>'
        )
        assert money_riel_text(D("18.25")) == "$18.25 · ៛74,800"
        assert money_riel_text(D("1234.56")) == "$1,234.56 · ៛5,061,700"
        assert str(money_riel(None)) == money_riel_text(None) == ""


def test_money_riel_in_khmer(app):
    """Khmer's own format from Babel, with Latin digits like every other number in the shop."""
    with app.test_request_context("/"), force_locale("km"):
        assert str(money_riel(D("18.00"))) == (
            '18.00$<span class="price-khr"><span aria-hidden="true"> · 73,800 ៛</span>'
            '<span class="visually-hidden">, 73,800 រៀល</span></span>'
        )
        assert money_riel_text(D("0.02")) == "0.02$ · 100 ៛"


def test_a_float_never_reaches_the_riel(app):
    with app.test_request_context("/"), pytest.raises(TypeError):
        money_riel(18.25)


# ---------------------------------------------------------------- pages


def test_cards_and_the_product_page_show_riel_in_both_languages(client, db):
    item = ProductFactory(name_en="Glow Serum", price=D("18.00"), compare_at_price=D("20.00"))
    assert shown_riel(client.get("/shop").text) == ["៛73,800", "៛82,000"]
    page = client.get(f"/products/{item.slug}").text
    assert shown_riel(page)[:2] == ["៛73,800", "៛82,000"]
    assert "73,800 riel" in page
    khmer = client.get(f"/products/{item.slug}?lang=km").text
    assert shown_riel(khmer)[:2] == ["73,800 ៛", "82,000 ៛"]
    assert "73,800 រៀល" in khmer
    assert shown_riel(client.get("/shop?lang=km").text) == ["73,800 ៛", "82,000 ៛"]


def test_the_cart_shows_riel_beside_every_figure(client, db):
    serum = ProductFactory(price=D("19.99"), stock=10)
    add(client, serum, 2)
    cart = client.get("/cart").text
    assert (by_id(cart, "cart-subtotal"), riel_by_id(cart, "cart-subtotal")) == ("$39.98", "៛163,900")
    assert riel_by_id(cart, "cart-tax") == "៛16,400"  # $4.00
    assert riel_by_id(cart, "cart-total") == "៛180,300"  # $43.98: the total converted, not the sum
    assert shown_riel(cart)[:2] == ["៛82,000", "៛163,900"]  # unit price, line total


def test_checkout_order_page_and_email_show_riel(client, db, run_jobs, smtp_server):
    user = UserFactory()
    home = AddressFactory(user=user, is_default=True, city="Phnom Penh")
    sign_in(client, user.email)
    add(client, ProductFactory(price=D("12.50"), stock=5), 2)
    page = review(client, {"address_id": str(home.id)})
    assert [riel_by_id(page.text, f"review-{n}") for n in ("subtotal", "shipping", "tax", "total")] == [
        "៛102,500",
        "៛6,200",  # $1.50 is 6,150 riel: half goes up
        "៛10,300",
        "៛118,900",
    ]
    placed = place(client, place_form(page))
    confirmation = client.get(placed.headers["Location"]).text
    assert (by_id(confirmation, "order-total"), riel_by_id(confirmation, "order-total")) == ("$29.00", "៛118,900")
    assert "៛118,900" in client.get("/orders").text
    assert run_jobs() == 1
    [email] = smtp_server.messages
    text = email.get_body(("plain",)).get_content()
    assert "Total: $29.00 · ៛118,900" in text
    assert "Delivery: $1.50 · ៛6,200" in text
    assert "$29.00 · ៛118,900" in email.get_body(("html",)).get_content()


def test_the_email_in_khmer_shows_khmer_riel(client, db, run_jobs, smtp_server):
    user = UserFactory(language=Language.KH)
    home = AddressFactory(user=user, is_default=True, city="Phnom Penh")
    sign_in(client, user.email)
    add(client, ProductFactory(price=D("12.50"), stock=5), 2)
    place(client, place_form(review(client, {"address_id": str(home.id)})))
    assert run_jobs() == 1
    [email] = smtp_server.messages
    assert "29.00$ · 118,900 ៛" in email.get_body(("plain",)).get_content()


# ---------------------------------------------------------------- a new rate


@pytest.fixture
def shared_app(make_app, database_url, servers, db):
    """An app with the page cache on Redis, as in production."""
    return make_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=servers.redis_url)


def test_a_new_rate_shows_at_once_on_cached_cards_and_pages(shared_app, monkeypatch):
    item = ProductFactory(price=D("18.00"))
    visitor = shared_app.test_client()
    url = f"/products/{item.slug}"
    assert shown_riel(visitor.get(url).text)[0] == "៛73,800"  # rendered and cached
    assert shown_riel(visitor.get(url).text)[0] == "៛73,800"  # from the cache
    assert shown_riel(visitor.get("/shop").text) == ["៛73,800"]
    monkeypatch.setitem(shared_app.config, "KHR_PER_USD", D("4000"))
    assert shown_riel(visitor.get(url).text)[0] == "៛72,000"
    assert shown_riel(visitor.get("/shop").text) == ["៛72,000"]
    api = visitor.get(f"/api/v1/products/{item.id}").get_json()["data"]
    assert (api["price"], api["price_khr"]) == ("18.00", 72_000)


# ---------------------------------------------------------------- the API


def test_product_json_has_riel_beside_dollars(client, db):
    item = ProductFactory(price=D("18.25"), compare_at_price=D("20.00"), is_featured=True)
    plain = ProductFactory(price=D("0.01"))
    detail = client.get(f"/api/v1/products/{item.id}").get_json()["data"]
    assert (detail["price"], detail["price_khr"], detail["compare_at_price_khr"]) == ("18.25", 74_800, 82_000)
    listed = {p["id"]: p for p in client.get("/api/v1/products").get_json()["data"]["data"]}
    assert (listed[item.id]["price_khr"], listed[plain.id]["price_khr"]) == (74_800, 0)
    assert listed[plain.id]["compare_at_price_khr"] is None
    assert client.get("/api/v1/products").get_json()["data"]["data"] == list(listed.values())  # from the cache


def test_cart_and_order_json_have_riel_beside_dollars(client, db):
    user = UserFactory(email="riel@example.com")
    headers = bearer(login(client, "riel@example.com", PASSWORD)["access_token"])
    address = AddressFactory(user=user)
    product = ProductFactory(price=D("12.50"), stock=5)
    cart = client.post("/api/v1/cart/add", json={"product_id": product.id, "quantity": 2}, headers=headers)
    data = cart.get_json()["data"]
    assert {k: v for k, v in data.items() if k.endswith("_khr")} == {
        "subtotal_khr": 102_500,
        "discount_khr": 0,
        "tax_khr": 10_300,
        "total_before_shipping_khr": 112_800,
    }
    assert (data["items"][0]["unit_price_khr"], data["items"][0]["line_total_khr"]) == (51_300, 102_500)
    placed = client.post("/api/v1/orders", json={"address_id": address.id}, headers=headers).get_json()["data"]
    assert (placed["total"], placed["total_khr"], placed["shipping_amount_khr"]) == ("29.00", 118_900, 6_200)
    assert placed["items"][0]["total_price_khr"] == 102_500
    history = client.get("/api/v1/orders", headers=headers).get_json()["data"]
    assert history["data"][0]["total_khr"] == 118_900


def test_the_openapi_document_names_the_riel_fields(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    summary = next(s for name, s in spec["components"]["schemas"].items() if name.startswith("ProductSummary"))
    assert summary["properties"]["price_khr"]["type"] == "integer"
