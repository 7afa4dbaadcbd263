"""/api/v1/cart, /wishlist, /orders, /coupons: the mobile app's shopping flow."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.cart.models import CartItem
from shop.catalog.models import Product, ProductStatus
from shop.orders.models import Order
from tests.api.helpers import bearer, login
from tests.factories import (
    PASSWORD,
    AddressFactory,
    CouponFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    UserFactory,
)

D = Decimal
ADDRESS = {"address_line1": "No. 12, Street 278", "city": "Phnom Penh", "postal_code": "120101", "phone": "012345678"}


@pytest.fixture
def shopper(client, db):
    user = UserFactory(email="shopper@example.com")
    return user, bearer(login(client, "shopper@example.com", PASSWORD)["access_token"])


def _count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_cart_add_update_remove_and_totals(client, db, shopper):
    _, headers = shopper
    serum = ProductFactory(price=D("19.99"), stock=4, name_en="Glow Serum", name_kh="សេរ៉ូមភ្លឺ")
    added = client.post("/api/v1/cart/add", json={"product_id": serum.id, "quantity": 2}, headers=headers)
    assert added.status_code == 200
    body = added.get_json()["data"]
    assert (body["count"], body["subtotal"], body["tax"], body["total_before_shipping"]) == (
        2,
        "39.98",
        "4.00",
        "43.98",
    )
    assert body["items"][0]["name"] == "Glow Serum"
    khmer = client.get("/api/v1/cart?lang=km", headers=headers).get_json()["data"]
    assert khmer["items"][0]["name"] == "សេរ៉ូមភ្លឺ"
    capped = client.put(f"/api/v1/cart/update/{serum.id}", json={"quantity": 9}, headers=headers)
    assert capped.get_json()["data"]["items"][0]["quantity"] == 4
    removed = client.delete(f"/api/v1/cart/remove/{serum.id}", headers=headers).get_json()["data"]
    assert removed["count"] == 0 and removed["total_before_shipping"] == "0.00"


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "abc", None])
def test_bad_quantities_are_422_and_write_nothing(client, db, shopper, quantity):
    _, headers = shopper
    product = ProductFactory()
    response = client.post("/api/v1/cart/add", json={"product_id": product.id, "quantity": quantity}, headers=headers)
    assert response.status_code == 422
    assert "quantity" in response.get_json()["error"]["details"]["json"]
    assert _count(db, CartItem) == 0


def test_unknown_product_is_404(client, db, shopper):
    _, headers = shopper
    response = client.post("/api/v1/cart/add", json={"product_id": 999999}, headers=headers)
    assert response.status_code == 404
    assert response.get_json()["message"] == "This product is not available."


def test_coupon_apply_refusal_and_validate(client, db, shopper):
    _, headers = shopper
    product = ProductFactory(price=D("40.00"))
    client.post("/api/v1/cart/add", json={"product_id": product.id}, headers=headers)
    CouponFactory(code="TEN", value=D("10"))
    CouponFactory(code="BIG", min_order_value=D("100.00"))
    refused = client.post("/api/v1/cart/apply-coupon?lang=km", json={"code": "big"}, headers=headers)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["details"] == {
        "coupon_code": ["ចំណាយយ៉ាងហោចណាស់ 100.00$ · 410,000 ៛ ដើម្បីប្រើគូប៉ុងនេះ។"]
    }
    checked = client.post("/api/v1/coupons/validate", json={"code": "ten"}, headers=headers).get_json()["data"]
    assert checked == {"code": "TEN", "discount": "4.00", "free_shipping": False, "total_before_shipping": "39.60"}
    applied = client.post("/api/v1/cart/apply-coupon", json={"code": "ten"}, headers=headers).get_json()["data"]
    assert (applied["coupon_code"], applied["discount"]) == ("TEN", "4.00")
    available = client.get("/api/v1/coupons/available").get_json()["data"]
    assert [c["code"] for c in available] == ["BIG", "TEN"]
    assert list(available[0].items()) == [  # the terms in the order the API has always answered in
        ("code", "BIG"),
        ("name", "Test coupon"),
        ("description", None),
        ("type", "percentage"),
        ("value", "10.00"),
        ("max_discount", None),
        ("min_order_value", "100.00"),
        ("end_date", (date.today() + timedelta(days=30)).isoformat()),
        ("first_order_only", False),
    ]


def test_checkout_places_the_order_clears_the_cart_and_is_idempotent(client, db, shopper, run_jobs, smtp_server):
    user, headers = shopper
    product = ProductFactory(price=D("12.50"), stock=5)
    address = AddressFactory(user=user)
    client.post("/api/v1/cart/add", json={"product_id": product.id, "quantity": 2}, headers=headers)
    review = client.post("/api/v1/orders/preview", json={"address_id": address.id}, headers=headers).get_json()
    assert review["data"] == {
        "subtotal": "25.00",
        "discount": "0.00",
        "shipping": "1.50",
        "tax": "2.50",
        "total": "29.00",
        "coupon_code": None,
        "problems": [],
        "subtotal_khr": 102_500,
        "discount_khr": 0,
        "shipping_khr": 6_200,  # 6,150 riel: half goes up
        "tax_khr": 10_300,
        "total_khr": 118_900,  # the total converted, not the sum of the converted parts
        "delivery_estimate": "1–3 days",
        "free_delivery_from": None,
    }
    total = review["data"]["total"]
    placed = client.post(
        "/api/v1/orders",
        json={"address_id": address.id, "expected_total": total},
        headers={**headers, "Idempotency-Key": "order-abc"},
    )
    assert placed.status_code == 201
    order = placed.get_json()["data"]
    assert (order["status"], order["subtotal"], order["shipping_amount"], order["total"]) == (
        "pending",
        "25.00",
        "1.50",
        "29.00",
    )
    assert order["shipping_address"]["city"] == "Phnom Penh"
    retried = client.post(
        "/api/v1/orders", json={"address_id": address.id}, headers={**headers, "Idempotency-Key": "order-abc"}
    )
    assert retried.status_code == 201 and retried.get_json()["data"]["id"] == order["id"]
    assert _count(db, Order) == 1 and _count(db, CartItem) == 0
    assert db.session.get(Product, product.id).stock == 3
    assert run_jobs() == 1 and smtp_server.messages[0]["To"] == "shopper@example.com"


def test_checkout_refuses_an_empty_cart_or_a_changed_total(client, db, shopper):
    _, headers = shopper
    empty = client.post("/api/v1/orders", json={"shipping_address": ADDRESS}, headers=headers)
    assert empty.status_code == 400 and empty.get_json()["message"] == "Your cart is empty."
    product = ProductFactory(price=D("10.00"))
    client.post("/api/v1/cart/add", json={"product_id": product.id}, headers=headers)
    changed = client.post(
        "/api/v1/orders", json={"shipping_address": ADDRESS, "expected_total": "11.50"}, headers=headers
    )
    assert changed.status_code == 409
    assert _count(db, Order) == 0


def test_orders_history_detail_cancel_and_someone_elses_order(client, db, shopper):
    _, headers = shopper
    product = ProductFactory(stock=3, name_en="Glow Serum", name_kh="សេរ៉ូមភ្លឺ")
    client.post("/api/v1/cart/add", json={"product_id": product.id}, headers=headers)
    order_id = client.post("/api/v1/orders", json={"shipping_address": ADDRESS}, headers=headers).get_json()["data"][
        "id"
    ]
    listing = client.get("/api/v1/orders", headers=headers).get_json()["data"]
    assert listing["total_items"] == 1 and listing["data"][0]["id"] == order_id
    detail = client.get(f"/api/v1/orders/{order_id}", headers=headers).get_json()["data"]
    assert detail["timeline"][0]["status"] == "pending" and detail["can_cancel"] is True
    (item,) = detail["items"]  # what was bought, named in both languages as it was then
    assert (item["product_name"], item["product_name_kh"], item["variant_name"], item["variant_name_kh"]) == (
        "Glow Serum",
        "សេរ៉ូមភ្លឺ",
        None,
        None,
    )
    UserFactory(email="other@example.com")
    other = bearer(login(client, "other@example.com", PASSWORD)["access_token"])
    assert client.get(f"/api/v1/orders/{order_id}", headers=other).status_code == 404
    assert client.post(f"/api/v1/orders/{order_id}/cancel", headers=other).status_code == 404
    cancelled = client.post(f"/api/v1/orders/{order_id}/cancel", headers=headers)
    assert cancelled.get_json()["data"]["status"] == "cancelled"
    assert db.session.get(Product, product.id).stock == 3
    again = client.post(f"/api/v1/orders/{order_id}/cancel", headers=headers)
    assert again.status_code == 409


def test_order_again_fills_the_cart_and_reports_what_could_not_be_added(client, db, shopper):
    user, headers = shopper
    serum = ProductFactory(name_en="Glow Serum", stock=10)
    toner = ProductFactory(name_en="Old Toner", stock=10)
    balm = ProductFactory(name_en="Lip Balm", stock=10)
    order = OrderFactory(user=user)
    OrderItemFactory(order=order, product=serum, quantity=2)
    OrderItemFactory(order=order, product=toner, quantity=1)
    OrderItemFactory(order=order, product=balm, quantity=5)
    db.session.get(Product, toner.id).status = ProductStatus.ARCHIVED
    db.session.get(Product, balm.id).stock = 3
    db.session.commit()

    response = client.post(f"/api/v1/orders/{order.id}/reorder", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "2 products were added to your cart."
    data = body["data"]
    assert data["added"] == [{"product_id": serum.id, "quantity": 2}, {"product_id": balm.id, "quantity": 3}]
    assert data["short"] == [{"product_id": balm.id, "wanted": 5, "quantity": 3}]
    assert data["not_available"] == [{"product_id": toner.id, "name": "Old Toner"}]
    assert {(i["product_id"], i["quantity"]) for i in data["cart"]["items"]} == {(serum.id, 2), (balm.id, 3)}
    assert _count(db, CartItem, CartItem.user_id == user.id) == 2

    UserFactory(email="other@example.com")
    other = bearer(login(client, "other@example.com", PASSWORD)["access_token"])
    assert client.post(f"/api/v1/orders/{order.id}/reorder", headers=other).status_code == 404
    assert client.post(f"/api/v1/orders/{order.id}/reorder").status_code == 401
    nothing = OrderFactory(user=user)
    OrderItemFactory(order=nothing, product=toner, quantity=1)
    db.session.commit()
    refused = client.post(f"/api/v1/orders/{nothing.id}/reorder?lang=km", headers=headers).get_json()
    assert refused["data"]["added"] == [] and refused["message"] != "None of these products can be bought now."


def test_wishlist(client, db, shopper):
    _, headers = shopper
    product = ProductFactory()
    assert client.post(f"/api/v1/wishlist/add/{product.id}", headers=headers).status_code == 201
    assert client.post(f"/api/v1/wishlist/add/{product.id}", headers=headers).status_code == 200
    assert [p["id"] for p in client.get("/api/v1/wishlist", headers=headers).get_json()["data"]] == [product.id]
    assert client.delete(f"/api/v1/wishlist/remove/{product.id}", headers=headers).get_json()["data"]["count"] == 0
    assert client.post("/api/v1/wishlist/add/999999", headers=headers).status_code == 404
    client.post(f"/api/v1/wishlist/add/{product.id}", headers=headers)
    assert client.delete("/api/v1/wishlist/clear", headers=headers).get_json()["data"] == {"count": 0}


def test_shopping_endpoints_need_a_token(client, db):
    for method, path in [
        ("get", "/api/v1/cart"),
        ("post", "/api/v1/cart/add"),
        ("get", "/api/v1/wishlist"),
        ("get", "/api/v1/orders"),
    ]:
        assert getattr(client, method)(path, json={}).status_code in (401, 422)
    # placing an order needs no token (a guest), but then the address, items and email
    assert client.post("/api/v1/orders", json={}).status_code == 400
