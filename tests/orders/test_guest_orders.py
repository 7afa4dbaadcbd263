"""Guest orders: placed through the API without a token, the same rules as a signed-in order;
the signed link and the look-up; per-customer coupon limits hold for guests, even racing."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from shop.accounts import services as accounts
from shop.coupons.models import Coupon, CouponUsage
from shop.orders import guests
from shop.orders import services as orders
from shop.orders.models import Order
from tests.factories import CouponFactory, ProductFactory, UserFactory
from tests.orders.test_place_order import _race

D = Decimal
ADDRESS = {
    "first_name": "Dara",
    "last_name": "Kim",
    "address_line1": "No. 5, Street 51",
    "province": "KH-12",
    "district": "Khan Daun Penh",
    "landmark": "Opposite the Central Market",
    "phone": "០១២ ៣៤៥ ៦៧៨",
}


def _guest_order(client, product, **extra):
    body = {"items": [{"product_id": product.id, "quantity": 2}], "email": "Dara@Example.com",
            "shipping_address": ADDRESS, **extra}  # fmt: skip
    return client.post("/api/v1/orders", json=body)


def test_a_guest_buys_through_the_api_and_finds_the_order_again(client, db, run_jobs, smtp_server):
    product = ProductFactory(price=D("10.00"), stock=5)
    placed = _guest_order(client, product)
    assert placed.status_code == 201, placed.get_json()
    data = placed.get_json()["data"]
    assert (data["subtotal"], data["shipping_amount"], data["tax_amount"], data["total"]) == (
        "20.00", "1.50", "2.00", "23.50",
    )  # fmt: skip
    order = db.session.get(Order, data["id"])
    assert (order.user_id, order.customer_email, order.customer_phone) == (None, "dara@example.com", "+85512345678")
    assert order.shipping_address["province"] == "KH-12" and order.shipping_address["city"] == "Phnom Penh"
    # the confirmation carries the signed link to the order page
    run_jobs()
    (mail,) = smtp_server.messages
    link = f"/orders/guest/{data['order_token']}"
    assert link in mail.get_body(("plain",)).get_content()
    page = client.get(link)
    assert page.status_code == 200 and order.order_number in page.text
    tampered = client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert tampered.status_code == 404
    # look-up by number + email or phone; a wrong one answers exactly like a missing order
    for contact in ("dara@example.com", "012 345 678", "+855 12 345 678"):
        found = client.post("/api/v1/orders/lookup", json={"order_number": order.order_number, "contact": contact})
        assert found.status_code == 200 and found.get_json()["data"]["id"] == order.id
    wrong = client.post("/api/v1/orders/lookup", json={"order_number": order.order_number, "contact": "x@example.com"})
    missing = client.post(
        "/api/v1/orders/lookup", json={"order_number": "SK-000000-AAAAAA", "contact": "dara@example.com"}
    )
    assert wrong.status_code == missing.status_code == 404
    strip_id = lambda body: {k: v for k, v in body["error"].items() if k != "request_id"}  # noqa: E731
    assert strip_id(wrong.get_json()) == strip_id(missing.get_json())
    assert wrong.get_json()["message"] == missing.get_json()["message"]


def test_bad_guest_input_is_refused_in_khmer_and_nothing_is_written(client, db):
    product = ProductFactory(price=D("10.00"), stock=5)
    UserFactory(email="taken@example.com")
    cases = [
        ({"shipping_address": {**ADDRESS, "phone": "+1 202 555 0123"}}, "phone"),
        ({"shipping_address": {**ADDRESS, "province": "Bangkok"}}, "province"),
        ({"shipping_address": {**ADDRESS, "province": "KH-17"}, "shipping_method": "express"}, "shipping_method"),
        ({"email": "taken@example.com"}, "email"),
    ]
    for extra, field in cases:
        refused = _guest_order(client, product, **extra)
        body = refused.get_json()
        assert refused.status_code in (400, 409), body
        assert list(body["error"]["details"]) == [field], body
    khmer = client.post(
        "/api/v1/orders?lang=km",
        json={"items": [{"product_id": product.id, "quantity": 1}], "email": "taken@example.com",
              "shipping_address": ADDRESS},
    )  # fmt: skip
    assert khmer.get_json()["message"] == "គណនីដែលមានអ៊ីមែលនេះមានរួចហើយ។ សូមចូលគណនីដើម្បីបញ្ជាទិញ។"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    db.session.expire_all()
    assert product.stock == 5


def test_a_per_customer_coupon_counts_a_guest_by_email_and_by_phone(client, db):
    product = ProductFactory(price=D("10.00"), stock=50)
    CouponFactory(code="ONCE", usage_limit_per_user=1, usage_limit=None)
    assert _guest_order(client, product, coupon_code="ONCE").status_code == 201
    again = _guest_order(client, product, coupon_code="ONCE")  # same email
    assert again.status_code == 400
    assert again.get_json()["message"] == "You have already used this coupon."
    other_email_same_phone = _guest_order(client, product, coupon_code="ONCE", email="other@example.com")
    assert other_email_same_phone.status_code == 400
    assert other_email_same_phone.get_json()["message"] == "You have already used this coupon."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CouponUsage)) == 1


def test_ten_guest_checkouts_with_one_email_use_a_once_per_customer_coupon_once(app, db):
    product_id = ProductFactory(stock=100).id
    coupon_id = CouponFactory(code="WELCOME1", usage_limit_per_user=1, usage_limit=None).id

    def guest_checkout(n: int):
        address = {**ADDRESS, "phone": f"012 345 {600 + n}"}  # a different phone each time
        return orders.place_order(
            orders.Checkout(
                items=[orders.BasketItem(product_id, 1)],
                email="racer@example.com",
                shipping_address=address,
                coupon_code="WELCOME1",
            )
        ).id

    results = _race(app, 10, guest_checkout)
    placed = [r for r in results if isinstance(r, int)]
    assert len(placed) == 1, results
    assert all(getattr(r, "reason", None) == "used_by_you" for r in results if not isinstance(r, int))
    db.session.expire_all()
    assert db.session.get(Coupon, coupon_id).used_count == 1


def test_a_verified_account_takes_over_its_guest_orders(client, db):
    product = ProductFactory(price=D("10.00"), stock=5)
    order_id = _guest_order(client, product).get_json()["data"]["id"]
    user = accounts.register("dara@example.com", "a long passphrase 2026")
    assert db.session.get(Order, order_id).user_id is None  # not before the email is verified
    user.email_verified = True
    assert guests.claim_guest_orders(user) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Order, order_id).user_id == user.id
    assert (user.total_orders, user.total_spent) == (1, D("23.50"))
