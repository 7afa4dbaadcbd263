"""Placing orders: one transaction, exact totals, no oversell, no coupon over-use, idempotent."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.accounts.models import User
from shop.catalog.models import Product, ProductStatus
from shop.coupons.models import Coupon, CouponType, CouponUsage
from shop.errors import ShopError
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from tests.factories import CouponFactory, ProductFactory, UserFactory

D = Decimal
PHNOM_PENH = {
    "first_name": "Sokha",
    "address_line1": "No. 12, Street 278",
    "city": "Phnom Penh",
    "postal_code": "120101",
    "country": "Cambodia",
    "phone": "012 345 678",
}
SIEM_REAP = {**PHNOM_PENH, "city": "Siem Reap", "postal_code": "171201"}


def _checkout(user=None, items=(), **kwargs) -> orders.Checkout:
    """`user` is a User or an (id, email) pair; `items` are (product or product id, quantity)."""
    user_id, email = (user if isinstance(user, tuple) else (user.id, user.email)) if user else (None, None)
    return orders.Checkout(
        items=[orders.BasketItem(getattr(p, "id", p), q) for p, q in items],
        email=email or "guest@example.com",
        user_id=user_id,
        shipping_address=kwargs.pop("address", PHNOM_PENH),
        **kwargs,
    )


def _count(db, model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_order_snapshots_items_and_totals(db, run_jobs, smtp_server):
    user = UserFactory()
    serum = ProductFactory(price=D("19.99"), stock=10, sku="SER-1", name_en="Glow Serum")
    toner = ProductFactory(price=D("12.50"), stock=3)
    CouponFactory(code="SAVE10", type=CouponType.PERCENTAGE, value=D("10"))
    order = orders.place_order(_checkout(user, [(serum, 2), (toner, 1)], coupon_code="save10", customer_name="Sokha"))
    assert (order.subtotal, order.discount_amount, order.shipping_amount, order.tax_amount, order.total) == (
        D("52.48"),
        D("5.25"),
        D("1.50"),
        D("4.72"),
        D("53.45"),
    )
    assert order.total == order.subtotal + order.tax_amount + order.shipping_amount - order.discount_amount
    assert [(i.product_name, i.product_sku, i.quantity, i.unit_price, i.total_price) for i in order.items] == [
        ("Glow Serum", "SER-1", 2, D("19.99"), D("39.98")),
        (toner.name_en, toner.sku, 1, D("12.50"), D("12.50")),
    ]
    assert order.order_number.startswith("SK-") and len(order.order_number) == 16
    assert [e.to_status for e in order.events] == ["pending"]
    db.session.expire_all()
    assert (db.session.get(Product, serum.id).stock, db.session.get(Product, toner.id).stock) == (8, 2)
    assert db.session.scalar(sa.select(Coupon.used_count).where(Coupon.code == "SAVE10")) == 1
    assert _count(db, CouponUsage, CouponUsage.order_id == order.id) == 1
    stats = db.session.get(User, user.id)
    assert (stats.total_orders, stats.total_spent) == (1, D("53.45"))
    assert run_jobs() == 1
    assert smtp_server.messages[0]["Subject"] == f"Your order {order.order_number}"


def test_free_shipping_coupon_takes_off_the_delivery_and_province_rates_apply(db):
    product = ProductFactory(price=D("60.00"))
    CouponFactory(code="FREESHIP", type=CouponType.FREE_SHIPPING, value=D("0"), min_order_value=D("50.00"))
    order = orders.place_order(_checkout(UserFactory(), [(product, 1)], coupon_code="FREESHIP", address=SIEM_REAP))
    assert (order.shipping_amount, order.discount_amount, order.tax_amount, order.total) == (
        D("3.00"),
        D("3.00"),
        D("6.00"),
        D("66.00"),
    )


def test_express_does_not_reach_the_provinces(db):
    product = ProductFactory()
    with pytest.raises(ShopError) as caught:
        orders.place_order(_checkout(UserFactory(), [(product, 1)], shipping_method="express", address=SIEM_REAP))
    assert caught.value.field == "shipping_method"
    assert _count(db, Order) == 0


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "abc", 2.5, True])
def test_bad_quantities_are_refused_and_nothing_is_written(db, quantity):
    product = ProductFactory(stock=5)
    checkout = orders.Checkout(
        items=[orders.BasketItem(product.id, quantity)], email="a@example.com", shipping_address=PHNOM_PENH
    )
    with pytest.raises(ShopError) as caught:
        orders.place_order(checkout)
    assert caught.value.field == "quantity"
    db.session.expire_all()
    assert _count(db, Order) == 0 and db.session.get(Product, product.id).stock == 5


def test_out_of_stock_and_inactive_products_are_refused_with_nothing_written(db):
    scarce = ProductFactory(stock=1, name_en="Last Jar")
    plenty = ProductFactory(stock=50)
    with pytest.raises(orders.OutOfStock) as caught:
        orders.place_order(_checkout(UserFactory(), [(plenty, 2), (scarce, 2)]))
    assert str(caught.value.message) == "Only 1 of Last Jar left in stock."
    archived = ProductFactory(status=ProductStatus.ARCHIVED, name_en="Old Cream")
    with pytest.raises(orders.ProductUnavailable) as caught:
        orders.place_order(_checkout(UserFactory(), [(plenty, 1), (archived, 1)]))
    assert str(caught.value.message) == "Old Cream is no longer available."
    db.session.expire_all()
    assert _count(db, Order) == 0
    assert db.session.get(Product, plenty.id).stock == 50


def test_backorders_may_go_below_zero(db):
    product = ProductFactory(stock=0, allow_backorders=True)
    orders.place_order(_checkout(UserFactory(), [(product, 3)]))
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == -3


def test_a_changed_price_is_never_charged_silently(db):
    product = ProductFactory(price=D("10.00"))
    with pytest.raises(orders.PriceChanged) as caught:
        orders.place_order(_checkout(UserFactory(), [(product, 1)], expected_total=D("12.00")))
    assert caught.value.details == {"current_total": "12.50"}
    assert _count(db, Order) == 0
    order = orders.place_order(_checkout(UserFactory(), [(product, 1)], expected_total=D("12.50")))
    assert order.total == D("12.50")


def test_retry_with_the_same_idempotency_key_returns_the_first_order(db):
    user = UserFactory()
    product = ProductFactory(stock=10)
    first = orders.place_order(_checkout(user, [(product, 2)], idempotency_key="key-1"))
    again = orders.place_order(_checkout(user, [(product, 2)], idempotency_key="key-1"))
    assert again.id == first.id
    db.session.expire_all()
    assert _count(db, Order) == 1 and db.session.get(Product, product.id).stock == 8
    with pytest.raises(ShopError) as caught:
        orders.place_order(_checkout(UserFactory(), [(product, 1)], idempotency_key="key-1"))
    assert caught.value.status == 409


def test_cancel_restocks_releases_the_coupon_and_corrects_the_stats(db):
    user = UserFactory()
    product = ProductFactory(stock=5, price=D("20.00"))
    coupon = CouponFactory(code="ONCE", usage_limit=1)
    order = orders.place_order(_checkout(user, [(product, 2)], coupon_code="ONCE"))
    orders.cancel_order(order.id, user_id=user.id)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert [e.to_status for e in db.session.get(Order, order.id).events] == ["pending", "cancelled"]
    assert db.session.get(Product, product.id).stock == 5
    assert db.session.get(Coupon, coupon.id).used_count == 0
    assert _count(db, CouponUsage) == 0
    stats = db.session.get(User, user.id)
    assert (stats.total_orders, stats.total_spent) == (0, D("0.00"))
    with pytest.raises(orders.IllegalTransition):
        orders.cancel_order(order.id, user_id=user.id)
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 5


def test_another_users_order_is_not_found(db):
    owner, other = UserFactory(), UserFactory()
    order = orders.place_order(_checkout(owner, [(ProductFactory(), 1)]))
    with pytest.raises(ShopError) as caught:
        orders.get_order_for_user(other.id, order.id)
    assert caught.value.status == 404
    with pytest.raises(ShopError) as caught:
        orders.cancel_order(order.id, user_id=other.id)
    assert caught.value.status == 404


def test_status_machine_refuses_illegal_moves_with_a_reason(app, db):
    order = orders.place_order(_checkout(UserFactory(), [(ProductFactory(), 1)]))
    with app.test_request_context("/"), pytest.raises(orders.IllegalTransition) as caught:
        orders.transition(order, OrderStatus.DELIVERED)
    with app.test_request_context("/"):
        assert str(caught.value.message) == "An order that is pending cannot become delivered."
    for status in (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        orders.transition(order, status)
    assert order.shipped_at is not None and order.delivered_at is not None


# ---------------------------------------------------------------- races


def _race(app, count: int, attempt) -> list:
    barrier = threading.Barrier(count)

    def run(n: int):
        with app.app_context():
            barrier.wait()
            try:
                return attempt(n)
            except ShopError as error:
                return error
            finally:
                from shop.extensions import db

                db.session.remove()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_fifty_shoppers_racing_for_five_units_make_exactly_five_orders(app, db):
    product_id = ProductFactory(stock=5).id
    shoppers = [(u.id, u.email) for u in (UserFactory() for _ in range(50))]
    results = _race(app, 50, lambda n: orders.place_order(_checkout(shoppers[n], [(product_id, 1)])).id)
    placed = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, orders.OutOfStock)]
    assert (len(placed), len(refused)) == (5, 45)
    db.session.expire_all()
    assert db.session.get(Product, product_id).stock == 0
    assert _count(db, Order) == 5


def test_fifty_shoppers_racing_for_a_coupon_limited_to_three_uses(app, db):
    product_id = ProductFactory(stock=1000).id
    coupon_id = CouponFactory(code="FIRST3", usage_limit=3).id
    shoppers = [(u.id, u.email) for u in (UserFactory() for _ in range(50))]
    results = _race(
        app, 50, lambda n: orders.place_order(_checkout(shoppers[n], [(product_id, 1)], coupon_code="FIRST3")).id
    )
    placed = [r for r in results if isinstance(r, int)]
    assert len(placed) == 3
    assert all(getattr(r, "reason", None) == "used_up" for r in results if not isinstance(r, int))
    db.session.expire_all()
    assert db.session.get(Coupon, coupon_id).used_count == 3
    assert _count(db, CouponUsage) == 3
    assert db.session.get(Product, product_id).stock == 997


def test_concurrent_retries_with_one_idempotency_key_make_one_order(app, db):
    user = UserFactory()
    shopper, product_id = (user.id, user.email), ProductFactory(stock=100).id
    results = _race(
        app, 10, lambda n: orders.place_order(_checkout(shopper, [(product_id, 1)], idempotency_key="tap-twice")).id
    )
    assert len(set(results)) == 1 and isinstance(results[0], int)
    db.session.expire_all()
    assert _count(db, Order) == 1
    assert db.session.get(Product, product_id).stock == 99
    assert db.session.get(User, user.id).total_orders == 1
