"""Order history, detail with its timeline, cancel (stock back) and order again."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.cart.models import CartItem
from shop.catalog.models import Product, ProductStatus
from shop.infra.columns import utcnow
from shop.orders import guests
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    OrderStatusEventFactory,
    ProductFactory,
    UserFactory,
)
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import by_id, flashes, post, quantity_of

D = Decimal
PHNOM_PENH = {
    "first_name": "Sokha",
    "last_name": "Chan",
    "address_line1": "No. 12, Street 278",
    "city": "Phnom Penh",
    "province": "KH-12",
    "phone": "+85512345678",
    "postal_code": "120101",
    "country": "Cambodia",
}


def placed_order(user, *items, **kwargs) -> Order:
    """A real order through the service (stock taken, events written)."""
    return orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(p.id, q) for p, q in items],
            email=user.email,
            user_id=user.id,
            customer_name=user.full_name,
            shipping_address=PHNOM_PENH,
            **kwargs,
        )
    )


def order_numbers(page) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/orders/\d+">([^<]+)</a></th>', page.text)


@pytest.fixture
def shopper(client, db):
    user = UserFactory(first_name="Sokha", last_name="Chan")
    sign_in(client, user.email)
    return user


def test_anonymous_shoppers_are_sent_to_sign_in(client, db):
    for url in ("/orders", "/orders/1"):
        page = client.get(url)
        assert page.status_code == 302 and page.headers["Location"].startswith("/account/login?next="), url


def test_history_is_newest_first_and_paginated(client, db, shopper):
    now = utcnow()
    for n in range(12):
        OrderFactory(user=shopper, order_number=f"SK-H-{n:02d}", created_at=now - timedelta(days=n))
    OrderFactory(user=UserFactory(), order_number="SK-SOMEONE-ELSE")
    first = client.get("/orders")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert order_numbers(first) == [f"SK-H-{n:02d}" for n in range(10)]
    assert "Page 1 of 2" in first.text and 'href="/orders?page=2"' in first.text
    second = client.get("/orders?page=2")
    assert order_numbers(second) == ["SK-H-10", "SK-H-11"]
    assert client.get("/orders?page=3").status_code == 404
    assert client.get("/orders?page=abc").status_code == 400


def test_empty_history(client, db, shopper):
    page = client.get("/orders")
    assert "You have not ordered anything yet." in page.text


def test_detail_shows_items_totals_address_and_timeline(client, db, shopper):
    serum = ProductFactory(name_en="Glow Serum", name_kh="សេរ៉ូមភ្លឺ", price=D("19.99"), stock=10)
    order = placed_order(shopper, (serum, 2), shipping_method="standard", notes="Call me")
    OrderStatusEventFactory(order=order, from_status="pending", to_status="confirmed")
    page = client.get(f"/orders/{order.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert f'<h1 id="page-title">Order {order.order_number}</h1>' in text
    assert '<a href="/products/' in text and "Glow Serum</a>" in text
    assert (by_id(page.text, "order-subtotal"), by_id(page.text, "order-shipping")) == ("$39.98", "$1.50")
    assert (by_id(page.text, "order-tax"), by_id(page.text, "order-total")) == ("$4.00", "$45.48")
    assert "No. 12, Street 278" in text and "Standard delivery" in text and "Cash on delivery" in text
    assert "Call me" in text
    timeline = re.findall(r'<li class="timeline__event">\s*<span class="status status--(\w+)">([^<]+)</span>', text)
    assert timeline == [("pending", "pending"), ("confirmed", "confirmed")]
    assert by_id(page.text, "order-status") == "pending"
    assert 'id="order-thanks"' not in page.text
    khmer = client.get(f"/orders/{order.id}?lang=km")
    assert "សេរ៉ូមភ្លឺ" in khmer.text


def test_a_shipped_orders_tracking_number_is_on_the_shoppers_page_and_the_guests(client, db, shopper):
    """Both pages show an order's facts from one macro (storefront/orders/_order_head.html)."""
    mine = OrderFactory(user=shopper, status=OrderStatus.SHIPPED, tracking_number="KH-TRACK-7")
    page = client.get(f"/orders/{mine.id}")
    assert (by_id(page.text, "order-status"), "KH-TRACK-7" in page.text) == ("shipped", True)
    guest = OrderFactory(user=None, status=OrderStatus.SHIPPED, tracking_number="KH-TRACK-8")
    guest_page = client.application.test_client().get(f"/orders/guest/{guests.order_token(guest)}")
    assert guest_page.status_code == 200
    assert (by_id(guest_page.text, "order-status"), "KH-TRACK-8" in guest_page.text) == ("shipped", True)
    unshipped = client.get(f"/orders/{OrderFactory(user=shopper).id}")
    assert "Tracking number" not in unshipped.text


def test_someone_elses_order_is_not_found(client, db, shopper):
    other = placed_order(UserFactory(), (ProductFactory(), 1))
    assert client.get(f"/orders/{other.id}").status_code == 404
    assert client.get(f"/orders/{other.id}/cancel").status_code == 404
    assert post(client, f"/orders/{other.id}/cancel", form_url="/orders").status_code == 404
    assert post(client, f"/orders/{other.id}/reorder", form_url="/orders").status_code == 404
    db.session.expire_all()
    assert db.session.get(Order, other.id).status == OrderStatus.PENDING
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CartItem)) == 0


def test_cancel_asks_first_then_cancels_and_restocks(client, db, shopper):
    product = ProductFactory(stock=10)
    order = placed_order(shopper, (product, 3))
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 7
    detail = client.get(f"/orders/{order.id}")
    assert f'href="/orders/{order.id}/cancel"' in detail.text
    confirm = client.get(f"/orders/{order.id}/cancel")
    assert confirm.status_code == 200
    assert "Yes, cancel the order" in confirm.text
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PENDING  # asking changes nothing

    cancelled = post(client, f"/orders/{order.id}/cancel", form_url=f"/orders/{order.id}/cancel")
    assert (cancelled.status_code, cancelled.headers["Location"]) == (303, f"/orders/{order.id}")
    page = client.get(f"/orders/{order.id}")
    assert flashes(page.text) == ["Your order is cancelled."]
    assert by_id(page.text, "order-status") == "cancelled"
    assert f'href="/orders/{order.id}/cancel"' not in page.text
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert db.session.get(Product, product.id).stock == 10


def test_a_shipped_order_cannot_be_cancelled(client, db, shopper):
    order = OrderFactory(user=shopper, status=OrderStatus.SHIPPED)
    page = client.get(f"/orders/{order.id}/cancel")
    assert page.status_code == 409
    assert "This order can no longer be cancelled." in page.text
    refused = post(client, f"/orders/{order.id}/cancel", form_url="/orders")
    assert refused.status_code == 409
    assert "This order can no longer be cancelled." in refused.text
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.SHIPPED


def test_order_again_adds_what_is_still_sold_and_says_what_is_not(client, db, shopper):
    serum = ProductFactory(name_en="Glow Serum", stock=10)
    toner = ProductFactory(name_en="Old Toner", stock=10)
    balm = ProductFactory(name_en="Lip Balm", stock=10)
    order = OrderFactory(user=shopper)
    OrderItemFactory(order=order, product=serum, quantity=2)
    OrderItemFactory(order=order, product=toner, quantity=1)
    OrderItemFactory(order=order, product=balm, quantity=5)
    db.session.get(Product, toner.id).status = ProductStatus.ARCHIVED
    db.session.get(Product, balm.id).stock = 3
    db.session.commit()

    again = post(client, f"/orders/{order.id}/reorder", form_url=f"/orders/{order.id}")
    assert (again.status_code, again.headers["Location"]) == (303, "/cart")
    cart = client.get("/cart")
    assert flashes(cart.text) == [
        "2 products were added to your cart.",
        "Only 3 of Lip Balm left in stock.",
        "These could not be added (no longer sold or out of stock): Old Toner",
    ]
    assert (quantity_of(cart.text, serum.id), quantity_of(cart.text, balm.id)) == (2, 3)
    db.session.expire_all()
    rows = db.session.execute(sa.select(CartItem.product_id, CartItem.quantity).where(CartItem.user_id == shopper.id))
    assert sorted(rows) == sorted([(serum.id, 2), (balm.id, 3)])
