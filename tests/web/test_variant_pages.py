"""Variants at the doors: the product page's size picker (with and without HTMX), cards from
the lowest price, JSON-LD offers per variant, the API's `variants`, `price_range` and
`variant_id`, and back-in-stock alerts emailed once each in the shopper's language."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.catalog import variant_editing
from shop.catalog.models import BackInStockAlert, Product
from shop.orders.models import Order
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AddressFactory, ProductFactory, UserFactory
from tests.orders.test_variants import sizes
from tests.web.test_cart_pages import HX, add, post

D = Decimal
STAFF = Actor(None, "staff@example.com")


def json_ld(text: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1))


def test_the_product_page_offers_each_size_and_shows_the_one_chosen_without_javascript(client, db):
    serum, small, large = sizes(stock_30=10, stock_50=0)
    page = client.get(f"/products/{serum.slug}")
    assert page.status_code == 200
    assert f'name="variant" value="{small.id}" checked' in page.text
    assert f'name="variant" value="{large.id}">' in page.text
    assert '<button class="btn btn-secondary btn-sm variant-picker__submit" type="submit">' in page.text
    assert f'name="variant_id" value="{small.id}"' in page.text  # the buy box buys the 30 ml
    chosen = client.get(f"/products/{serum.slug}?variant={large.id}")  # the picker's plain GET
    assert f'name="variant" value="{large.id}" checked' in chosen.text
    assert "<dd>SER-50</dd>" in chosen.text and "Out of stock" in chosen.text
    assert "Email me when it is back" in chosen.text  # the 50 ml is sold out
    offers = json_ld(page.text)["offers"]
    assert [(o["sku"], o["price"], o["name"], o["availability"].rsplit("/", 1)[1]) for o in offers] == [
        ("SER-30", "18.00", "30 ml", "InStock"),
        ("SER-50", "26.00", "50 ml", "OutOfStock"),
    ]
    # in Khmer, the option values are the Khmer ones
    assert "៣០ មីលីលីត្រ" in client.get(f"/products/{serum.slug}?lang=km").text


def test_htmx_swaps_the_variant_panel_and_the_photo(client, db):
    serum, _small, large = sizes()
    variant_editing.update_variant(large.id, {"image_url": "/uploads/products/serum-50.webp"}, actor=STAFF)
    swapped = client.get(f"/products/{serum.slug}?variant={large.id}", headers=HX)
    assert swapped.status_code == 200
    assert 'id="variant-panel"' in swapped.text and 'id="product-photo"' in swapped.text
    assert "/uploads/products/serum-50.webp" in swapped.text
    assert 'hx-select="#variant-panel"' in client.get(f"/products/{serum.slug}").text


def test_a_chosen_size_goes_into_the_cart_and_a_card_gets_one_in_stock(client, db):
    serum, small, large = sizes(stock_30=0, stock_50=4)
    answer = post(client, "/cart/add", {"product_id": serum.id, "quantity": 1, "variant_id": large.id})
    assert answer.status_code == 303
    add(client, serum)  # a card's button names no size: the 30 ml (default) is sold out, so the 50 ml
    cart = client.get("/cart").text
    assert "Glow Serum (50 ml)" in cart and "Glow Serum (30 ml)" not in cart
    assert 'name="quantity" type="number" inputmode="numeric"' in cart
    assert re.search(rf'id="quantity-{serum.id}-{large.id}"[^>]*value="2"', cart)
    other = ProductFactory()
    refused = post(client, "/cart/add", {"product_id": other.id, "quantity": 1, "variant_id": large.id})
    assert refused.status_code == 422
    assert "This size or shade is not one of this product&#39;s." in refused.text


def test_cards_show_the_lowest_price_from(client, db):
    sizes()
    ProductFactory(name_en="Plain Toner", price=D("12.50"))
    listing = client.get("/shop").text
    assert "From $18.00" in listing
    assert "From $12.50" not in listing


def test_the_api_carries_variants_and_takes_a_variant_id(client, db):
    serum, small, large = sizes()
    data = client.get(f"/api/v1/products/{serum.id}").get_json()["data"]
    assert data["price_range"] == {"min": "18.00", "max": "26.00"}
    assert [(v["id"], v["sku"], v["name"], v["price"], v["is_default"]) for v in data["variants"]] == [
        (small.id, "SER-30", "30 ml", "18.00", True),
        (large.id, "SER-50", "50 ml", "26.00", False),
    ]
    user = UserFactory()
    address = AddressFactory(user=user)
    headers = bearer(login(client, user.email, PASSWORD)["access_token"])
    # the seed's call, unchanged: the default variant
    seed = client.post("/api/v1/cart/add", json={"product_id": serum.id, "quantity": 1}, headers=headers)
    assert seed.status_code == 200
    chosen = client.post(
        "/api/v1/cart/add", json={"product_id": serum.id, "quantity": 2, "variant_id": large.id}, headers=headers
    )
    items = chosen.get_json()["data"]["items"]
    assert [(i["variant_id"], i["sku"], i["variant_name"], i["quantity"], i["unit_price"]) for i in items] == [
        (small.id, "SER-30", "30 ml", 1, "18.00"),
        (large.id, "SER-50", "50 ml", 2, "26.00"),
    ]
    other = ProductFactory()
    for lang, message in (
        ("en", "This size or shade is not one of this product's."),
        ("km", "ទំហំ ឬពណ៌នេះ មិនមែនជារបស់ផលិតផលនេះទេ។"),
    ):
        refused = client.post(
            f"/api/v1/cart/add?lang={lang}", json={"product_id": other.id, "variant_id": large.id}, headers=headers
        )
        assert refused.status_code == 422
        assert (refused.get_json()["success"], refused.get_json()["message"]) == (False, message)
    placed = client.post("/api/v1/orders", json={"address_id": address.id}, headers=headers)
    assert placed.status_code == 201, placed.get_json()
    order = client.get(f"/api/v1/orders/{placed.get_json()['data']['id']}", headers=headers).get_json()["data"]
    assert sorted((i["variant_sku"], i["variant_name"], i["quantity"]) for i in order["items"]) == [
        ("SER-30", "30 ml", 1),
        ("SER-50", "50 ml", 2),
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1


def test_back_in_stock_emails_each_waiting_shopper_once_in_their_language(client, db, run_jobs, smtp_server):
    serum, _small, large = sizes(stock_50=0)
    page = f"/products/{serum.slug}?variant={large.id}"
    english = post(
        client, f"/products/{serum.slug}/stock-alert", {"variant_id": large.id, "email": "a@example.com"}, form_url=page
    )
    assert english.status_code == 303
    khmer_client = client.application.test_client()
    asked = post(
        khmer_client,
        f"/products/{serum.slug}/stock-alert?lang=km",
        {"variant_id": large.id, "email": "b@example.com"},
        form_url=page + "&lang=km",
    )
    assert asked.status_code == 303
    again = post(
        client, f"/products/{serum.slug}/stock-alert", {"variant_id": large.id, "email": "a@example.com"}, form_url=page
    )
    assert again.status_code == 303  # the same alert, not a second one
    bad = post(client, f"/products/{serum.slug}/stock-alert", {"variant_id": large.id, "email": "nope"}, form_url=page)
    assert bad.status_code == 400 and "Email me when it is back" in bad.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackInStockAlert)) == 2
    # cancelled alerts are not sent
    cancelled = post(
        client, f"/products/{serum.slug}/stock-alert", {"variant_id": large.id, "email": "c@example.com"}, form_url=page
    )
    assert cancelled.status_code == 303
    token = db.session.scalar(sa.select(BackInStockAlert.token).where(BackInStockAlert.email == "c@example.com"))
    assert post(client, f"/stock-alerts/{token}/cancel", form_url=f"/stock-alerts/{token}/cancel").status_code == 200
    run_jobs()
    assert smtp_server.messages == []

    variant_editing.update_variant(large.id, {"stock": 5}, actor=STAFF)  # 0 -> 5
    run_jobs()
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert sorted(by_address) == ["a@example.com", "b@example.com"]
    assert by_address["a@example.com"]["Subject"] == "Glow Serum (50 ml) is back in stock"
    assert "មានក្នុងស្តុកវិញហើយ" in by_address["b@example.com"]["Subject"]
    assert f"variant={large.id}" in by_address["a@example.com"].get_body(("plain",)).get_content()
    # used once: sold out and back again sends nothing more
    variant_editing.update_variant(large.id, {"stock": 0}, actor=STAFF)
    variant_editing.update_variant(large.id, {"stock": 3}, actor=STAFF)
    run_jobs()
    assert len(smtp_server.messages) == 2
    assert db.session.get(Product, serum.id).stock == 13
