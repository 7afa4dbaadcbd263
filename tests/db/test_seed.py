"""`flask seed`: a believable demo shop, idempotent; `--scale N` for benchmarks."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.accounts.models import User, UserAddress, UserRole
from shop.catalog.models import Category, Product, ProductImage, ProductStatus
from shop.coupons.models import Coupon, CouponStatus, CouponType
from shop.demo.scale import seed_scale
from shop.demo.seed import seed_demo
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.reviews.models import Review, ReviewStatus

KHMER = re.compile(r"[\u1780-\u17FF]")


def _count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def seeded(db):
    return seed_demo(with_images=False)


def test_demo_catalog_is_large_enough_and_bilingual(db, seeded):
    assert _count(db, Category) >= 10
    assert _count(db, Product, Product.status == ProductStatus.ACTIVE) >= 60
    products = db.session.scalars(sa.select(Product)).all()
    assert all(KHMER.search(p.name_kh) and KHMER.search(p.description_kh) for p in products)
    assert all(p.ingredients and p.skin_concerns and p.brand for p in products)
    leaf_slugs = set(db.session.scalars(sa.select(Category.slug).where(Category.parent_id.is_not(None))))
    assert {p.category for p in products} <= leaf_slugs
    assert {s for (s,) in db.session.execute(sa.select(Product.status).distinct())} == set(ProductStatus)
    assert _count(db, Product, Product.compare_at_price.is_not(None)) >= 10
    assert _count(db, Product, Product.stock == 0) >= 1


def test_demo_has_staff_and_customers_with_addresses(db, seeded):
    roles = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    assert roles[UserRole.ADMIN] == 1 and roles[UserRole.MODERATOR] == 1 and roles[UserRole.CUSTOMER] >= 20
    assert _count(db, UserAddress) >= 20
    assert db.session.scalar(sa.select(User.email).where(User.role == UserRole.ADMIN)) == "admin@skincare.example"


def test_demo_has_orders_in_every_status_with_valid_totals(db, seeded):
    statuses = set(db.session.scalars(sa.select(Order.status).distinct()))
    assert statuses == set(OrderStatus)
    for order in db.session.scalars(sa.select(Order)):
        assert order.total == order.subtotal + order.tax_amount + order.shipping_amount - order.discount_amount
        assert order.subtotal == sum(item.total_price for item in order.items)
        assert order.events[0].to_status == "pending" and order.events[-1].to_status == order.status.value


def test_demo_has_reviews_in_every_status_and_coupons_of_every_type(db, seeded):
    assert set(db.session.scalars(sa.select(Review.status).distinct())) == set(ReviewStatus)
    assert set(db.session.scalars(sa.select(Coupon.type).distinct())) == set(CouponType)
    assert set(db.session.scalars(sa.select(Coupon.status).distinct())) == set(CouponStatus)
    verified = db.session.scalars(sa.select(Review).where(Review.is_verified_purchase)).all()
    for review in verified:
        bought = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderItem)
            .join(Order)
            .where(
                Order.user_id == review.user_id,
                OrderItem.product_id == review.product_id,
                Order.status == OrderStatus.DELIVERED,
            )
        )
        assert bought >= 1


def test_seeding_twice_adds_nothing(db, seeded):
    before = {m.__name__: _count(db, m) for m in (Category, Product, User, Coupon, Order, Review, UserAddress)}
    again = seed_demo(with_images=False)
    assert set(again.values()) == {0}
    assert {m.__name__: _count(db, m) for m in (Category, Product, User, Coupon, Order, Review, UserAddress)} == before


def test_images_are_generated_locally_once(db, app):
    seed_demo(with_images=True)
    images = db.session.scalars(sa.select(ProductImage)).all()
    assert images and all(i.image_url.startswith("/uploads/products/") for i in images)
    response = app.test_client().get(images[0].image_url)
    assert response.status_code == 200 and response.mimetype == "image/webp"


def test_scale_seed_adds_proportional_data_and_keeps_sequences_usable(db, seeded):
    counts = seed_scale(2000)
    assert counts == {
        "products": 2000,
        "users": 100,
        "orders": 200,
        "order_items": counts["order_items"],
        "reviews": 400,
    }
    assert 200 <= counts["order_items"] <= 800
    assert _count(db, Product) == 83 + 2000
    for order in db.session.scalars(sa.select(Order).where(Order.order_number.like("SK-SCALE-%")).limit(20)):
        assert order.subtotal == sum(item.total_price for item in order.items)
    # New rows after explicit-id bulk inserts still get fresh ids.
    from tests.factories import ProductFactory, UserFactory

    assert ProductFactory().id > 2083 and UserFactory().id > 122
    assert seed_scale(2000)["products"] == 0
