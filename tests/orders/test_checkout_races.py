"""One cart becomes at most one order, however many checkouts of it race (API and page), with
or without an idempotency key. Real PostgreSQL and Redis, real threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import sqlalchemy as sa

from shop.cart.models import CartItem
from shop.catalog.models import Product
from shop.orders.models import Order
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AddressFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add
from tests.web.test_checkout_pages import place_form, review

D = Decimal


def _race(count: int, attempt) -> list:
    barrier = threading.Barrier(count)

    def run(n: int):
        barrier.wait()
        return attempt(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _copy_cookies(source, target) -> None:
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_ten_concurrent_api_checkouts_of_one_cart_make_one_order(app, client, db):
    user = UserFactory(email="racer@example.com")
    address = AddressFactory(user=user)
    product = ProductFactory(price=D("12.50"), stock=10)
    address_id, product_id = address.id, product.id
    headers = bearer(login(client, user.email, PASSWORD)["access_token"])
    added = client.post("/api/v1/cart/add", json={"product_id": product_id, "quantity": 2}, headers=headers)
    assert added.status_code == 200

    responses = _race(
        10, lambda _n: app.test_client().post("/api/v1/orders", json={"address_id": address_id}, headers=headers)
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409, 400}, statuses  # 400: the cart was read after the order emptied it
    order_id = next(r.get_json()["data"]["id"] for r in responses if r.status_code == 201)
    for refused in (r.get_json() for r in responses if r.status_code == 409):
        assert refused["success"] is False
        assert refused["message"] == "Your cart is empty: this order was already placed."
        assert (refused["error"]["order_id"], refused["error"]["order_url"]) == (order_id, f"/api/v1/orders/{order_id}")
    for empty in (r.get_json() for r in responses if r.status_code == 400):
        assert empty["message"] == "Your cart is empty."
    assert _count(db, Order) == 1 and _count(db, CartItem) == 0
    assert db.session.get(Product, product_id).stock == 8


def test_two_review_pages_submitted_at_once_make_one_order(app, client, db):
    user = UserFactory()
    home = AddressFactory(user=user, is_default=True, city="Phnom Penh")
    product = ProductFactory(price=D("12.50"), stock=10)
    sign_in(client, user.email)
    add(client, product, 2)
    # Two tabs: two review pages, each with its own idempotency key, each submitted three times.
    forms = [place_form(review(client, {"address_id": str(home.id)})) for _tab in range(2)]
    assert forms[0]["idempotency_key"] != forms[1]["idempotency_key"]

    def submit(n: int):
        tab = app.test_client()
        _copy_cookies(client, tab)
        return tab.post("/checkout/place", data=forms[n % 2])

    responses = _race(6, submit)

    assert _count(db, Order) == 1 and _count(db, CartItem) == 0
    order_id = db.session.scalar(sa.select(Order.id))
    assert db.session.get(Product, product.id).stock == 8
    locations = {r.headers.get("Location", "").split("?")[0] for r in responses}
    assert [r.status_code for r in responses] == [303] * 6
    assert locations == {f"/orders/{order_id}"}
