"""Carts: guests in the session, users in the database with a Redis copy; merge on sign-in."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.cart import services as cart
from shop.cart.models import CartItem
from shop.catalog.models import ProductStatus
from shop.catalog.variants import default_variant
from shop.coupons.services import CouponNotApplicable
from shop.errors import ShopError
from shop.orders.services import OutOfStock
from tests.factories import CouponFactory, ProductFactory, UserFactory

D = Decimal


def test_guest_cart_lives_in_the_session_mapping(db):
    session: dict = {}
    guest = cart.Owner(guest=session)
    product = ProductFactory(price=D("12.50"), stock=10)
    assert cart.add_item(guest, product.id, 2) == 2
    assert cart.add_item(guest, product.id, 1) == 3
    assert session["cart"]["items"] == {str(product.id): {"q": 3, "p": "12.50"}}
    view = cart.view(guest)
    assert [(line.product.id, line.quantity, line.total) for line in view.lines] == [(product.id, 3, D("37.50"))]
    assert view.quote.subtotal == D("37.50")
    cart.set_quantity(guest, product.id, 1)
    assert cart.count(guest) == 1
    cart.remove_item(guest, product.id)
    assert cart.view(guest).is_empty


def test_user_cart_is_stored_in_the_database_and_cached_in_redis(db, redis_client):
    user = UserFactory()
    owner = cart.Owner(user_id=user.id)
    product = ProductFactory(price=D("9.90"))
    cart.add_item(owner, product.id, 2)
    assert db.session.scalars(sa.select(CartItem.quantity).where(CartItem.user_id == user.id)).all() == [2]
    assert cart.count(owner) == 2
    cached = json.loads(redis_client.get(f"cart:{user.id}"))
    assert cached == [
        {
            "product_id": product.id,
            "variant_id": default_variant(product).id,  # the seed's format, plus the variant (0015)
            "quantity": 2,
            "product_data": {"name": product.name_en, "price": "9.90", "image_url": None},
        }
    ]
    assert 0 < redis_client.ttl(f"cart:{user.id}") <= 7 * 24 * 3600
    redis_client.flushdb()  # Redis restarts: the cart is still there
    assert cart.count(owner) == 2


def test_quantities_are_capped_by_stock_unless_backorders(db):
    owner = cart.Owner(guest={})
    scarce = ProductFactory(stock=3)
    assert cart.add_item(owner, scarce.id, 5) == 3
    assert cart.set_quantity(owner, scarce.id, 10) == 3
    backorder = ProductFactory(stock=0, allow_backorders=True)
    assert cart.add_item(owner, backorder.id, 4) == 4
    sold_out = ProductFactory(stock=0)
    with pytest.raises(OutOfStock):
        cart.add_item(owner, sold_out.id, 1)


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "abc", None])
def test_bad_quantities_write_nothing(db, quantity):
    session: dict = {}
    product = ProductFactory()
    with pytest.raises(ShopError) as caught:
        cart.add_item(cart.Owner(guest=session), product.id, quantity)
    assert caught.value.field == "quantity"
    assert session == {}


def test_unknown_or_inactive_products_cannot_be_added(db):
    owner = cart.Owner(guest={})
    draft = ProductFactory(status=ProductStatus.DRAFT)
    for product_id in (draft.id, 999999):
        with pytest.raises(ShopError) as caught:
            cart.add_item(owner, product_id)
        assert caught.value.status == 404


def test_price_changes_and_withdrawn_products_are_shown_not_charged(db):
    owner = cart.Owner(user_id=UserFactory().id)
    cheaper = ProductFactory(price=D("20.00"))
    withdrawn = ProductFactory(price=D("5.00"))
    cart.add_item(owner, cheaper.id)
    cart.add_item(owner, withdrawn.id)
    cheaper.price = D("22.00")
    withdrawn.status = ProductStatus.ARCHIVED
    db.session.commit()
    view = cart.view(owner)
    [line] = view.lines
    assert line.price_changed and line.unit_price == D("22.00") and line.price_at_add == D("20.00")
    assert [str(n) for n in line.notices] == ["The price changed from $20.00 to $22.00."]
    assert [p.id for p in view.unavailable] == [withdrawn.id]
    assert view.quote.subtotal == D("22.00")


def test_guest_cart_merges_into_the_users_cart_on_sign_in(db):
    user = UserFactory()
    shared, guest_only = ProductFactory(stock=5), ProductFactory()
    cart.add_item(cart.Owner(user_id=user.id), shared.id, 2)
    session: dict = {}
    cart.add_item(cart.Owner(guest=session), shared.id, 4)
    cart.add_item(cart.Owner(guest=session), guest_only.id, 1)
    CouponFactory(code="HELLO", usage_limit_per_user=None)
    cart.apply_coupon(cart.Owner(guest=session), "hello")
    cart.merge_guest_cart(session, user.id)
    assert "cart" not in session
    owner = cart.Owner(user_id=user.id)
    assert {line.product.id: line.quantity for line in cart.view(owner).lines} == {shared.id: 5, guest_only.id: 1}
    assert cart.view(owner).coupon_code == "HELLO"


def test_coupon_apply_and_remove(app, db):
    owner = cart.Owner(user_id=UserFactory().id)
    product = ProductFactory(price=D("40.00"))
    cart.add_item(owner, product.id)
    CouponFactory(code="TEN", value=D("10"))
    view = cart.apply_coupon(owner, " ten ")
    assert (view.coupon_code, view.quote.discount, view.quote.total) == ("TEN", D("4.00"), D("39.60"))
    assert cart.view(owner).quote.discount == D("4.00")
    with pytest.raises(CouponNotApplicable) as caught:
        cart.apply_coupon(owner, "NOPE")
    assert caught.value.reason == "unknown"
    assert cart.view(owner).coupon_code == "TEN"
    cart.remove_coupon(owner)
    assert cart.view(owner).quote.discount == D("0.00")


def test_user_cart_on_embedded_sqlite_without_redis(make_app, tmp_path):
    from flask_migrate import upgrade

    from shop.extensions import db as shop_db

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'cart.db'}", REDIS_URL=None)
    with app.app_context():
        upgrade()
        owner = cart.Owner(user_id=UserFactory().id)
        product = ProductFactory(price=D("7.00"), stock=9)
        cart.add_item(owner, product.id, 2)
        cart.add_item(owner, product.id, 3)
        assert shop_db.session.scalars(sa.select(CartItem.quantity)).all() == [5]
        assert cart.view(owner).quote.subtotal == D("35.00")
