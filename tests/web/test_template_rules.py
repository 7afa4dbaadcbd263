"""What the pages show follows the model's and the services' rules, not rules written again in
the templates: in stock (backorders), low stock, the quantity limit, still sold, can cancel."""

from __future__ import annotations

import re

import pytest

from shop.cart.services import quantity_limit
from shop.catalog.models import LOW_STOCK_THRESHOLD, ProductStatus
from shop.orders import services as orders
from shop.orders.models import OrderStatus
from shop.orders.services import MAX_QUANTITY
from shop.reporting.dashboard import low_stock
from tests.admin.helpers import staff_page_client, token
from tests.factories import AdminFactory, CartItemFactory, OrderFactory, OrderItemFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in

CARD_BUTTON = re.compile(r'<button class="btn btn-primary btn-sm" type="submit"( disabled)?>(Add to cart|Out of stock)')
BUY_BUTTON = re.compile(r'<button class="btn btn-primary btn-lg" type="submit"( disabled)?>(Add to cart|Out of stock)')
QUANTITY = re.compile(r'<input id="buy-quantity"[^>]* max="(\d+)" required( disabled)?>')


def card_button(client) -> tuple[bool, str]:
    (disabled, label), *others = CARD_BUTTON.findall(client.get("/shop").text)
    assert not others
    return bool(disabled), label


def buy_box(client, product) -> tuple[str, bool, str, int]:
    page = client.get(f"/products/{product.slug}").text
    (disabled, label), *_ = BUY_BUTTON.findall(page)
    (limit, _disabled), *_ = QUANTITY.findall(page)
    stock = re.search(r'<p class="stock (stock-\w+)">', page).group(1)
    return stock, bool(disabled), label, int(limit)


def test_a_product_with_none_left_but_backorders_allowed_can_be_added_to_the_cart(client, db):
    product = ProductFactory(stock=0, track_inventory=True, allow_backorders=True)
    assert product.is_in_stock and product.is_on_backorder and quantity_limit(product) == MAX_QUANTITY
    assert card_button(client) == (False, "Add to cart")
    assert buy_box(client, product) == ("stock-low", False, "Add to cart", MAX_QUANTITY)
    assert "Available on backorder" in client.get(f"/products/{product.slug}").text


def test_a_sold_out_product_cannot(client, db):
    product = ProductFactory(stock=0, track_inventory=True, allow_backorders=False)
    assert not product.is_in_stock and quantity_limit(product) == 0
    assert card_button(client) == (True, "Out of stock")
    assert buy_box(client, product) == ("stock-out", True, "Out of stock", 1)


def test_untracked_stock_is_always_in_stock(client, db):
    product = ProductFactory(stock=0, track_inventory=False, allow_backorders=False)
    assert product.is_in_stock and not product.is_low_stock and not product.is_on_backorder
    assert card_button(client) == (False, "Add to cart")
    assert buy_box(client, product) == ("stock-in", False, "Add to cart", MAX_QUANTITY)


@pytest.mark.parametrize(("stock", "low"), [(1, True), (LOW_STOCK_THRESHOLD, True), (LOW_STOCK_THRESHOLD + 1, False)])
def test_low_stock_is_the_threshold_on_the_page_and_in_the_staff_filter(client, db, stock, low):
    product = ProductFactory(name_en="Counted Cream", stock=stock, track_inventory=True, allow_backorders=False)
    assert product.is_low_stock is low
    shown = buy_box(client, product)
    assert shown == ("stock-low" if low else "stock-in", False, "Add to cart", stock)
    assert (f"Only {stock} left" in client.get(f"/products/{product.slug}").text) is low
    staff_page_client(client, AdminFactory())
    assert ("Counted Cream" in client.get("/admin/products?stock=low").text) is low
    dashboard = [p.id for p in low_stock()]  # sold out ones too, but not one above the threshold
    assert (product.id in dashboard) is low


def test_the_cart_stepper_stops_at_max_quantity(client, db):
    user = UserFactory()
    product = ProductFactory(stock=500)
    CartItemFactory(user_id=user.id, product_id=product.id, quantity=MAX_QUANTITY)
    sign_in(client, user.email)
    page = client.get("/cart").text
    assert f'min="1" max="{MAX_QUANTITY}" value="{MAX_QUANTITY}"' in page
    assert re.search(rf'id="more-{product.id}" type="submit" disabled>', page)


def test_only_products_still_sold_are_linked_from_an_order(client, db):
    user = UserFactory()
    sold = ProductFactory(name_en="Still Sold")
    gone = ProductFactory(name_en="Gone Now", status=ProductStatus.ARCHIVED)
    assert sold.is_purchasable and not gone.is_purchasable
    order = OrderFactory(user=user)
    OrderItemFactory(order=order, product=sold)
    OrderItemFactory(order=order, product=gone)
    sign_in(client, user.email)
    page = client.get(f"/orders/{order.id}").text
    assert f'href="/products/{sold.slug}"' in page and f'href="/products/{gone.slug}"' not in page


@pytest.mark.parametrize("status", list(OrderStatus))
def test_can_cancel_is_one_rule_for_the_page_and_the_api(client, db, status):
    user = UserFactory()
    order = OrderFactory(user=user, status=status)
    expected = status in (OrderStatus.PENDING, OrderStatus.CONFIRMED)
    assert orders.can_cancel(order) is expected
    api = client.get(f"/api/v1/orders/{order.id}", headers=token(user)).get_json()["data"]
    assert api["can_cancel"] is expected
    sign_in(client, user.email)
    assert ("Cancel the order" in client.get(f"/orders/{order.id}").text) is expected
    asking = client.get(f"/orders/{order.id}/cancel")
    assert asking.status_code == (200 if expected else 409)
    assert (str(orders.NOT_CANCELLABLE) in asking.text) is not expected
