"""The demo data is data (JSON under shop/demo/data/, read into typed records) and makes sense:
people join before they order, seasonal coupons run in their season, reviews fit their product."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.accounts.models import User, UserRole
from shop.catalog.images import thumbnail_url
from shop.catalog.models import Product, ProductImage
from shop.coupons.models import Coupon, CouponStatus
from shop.demo import records
from shop.demo.records import ANY_KIND
from shop.demo.seed import coupon_dates, seed_demo
from shop.orders.models import Order
from shop.reviews.models import Review


def test_json_files_load_into_typed_records_with_decimal_money():
    products = records.products()
    assert len(products) >= 60
    assert all(isinstance(p.price, Decimal) and p.price > 0 for p in products)
    assert all(p.compare_at_price is None or p.compare_at_price > p.price for p in products)
    leaves = {c.slug for c in records.categories() if c.parent}
    assert {p.category for p in products} <= leaves
    assert all(isinstance(c.value, Decimal) for c in records.coupons())
    kinds = {t.kind for t in records.review_texts()}
    assert kinds <= leaves | {ANY_KIND}


@pytest.mark.parametrize(
    ("today", "running"),
    [(date(2026, 12, 7), False), (date(2027, 4, 14), True), (date(2027, 4, 30), False)],
)
def test_khmer_new_year_coupon_runs_only_in_april(today, running):
    row = next(c for c in records.coupons() if "NEW YEAR" in c.name.upper() and "KHMER" in c.name.upper())
    start, end, status = coupon_dates(row, today)
    assert start is not None and end is not None
    assert start.month == 4
    assert (start <= today <= end and status == CouponStatus.ACTIVE) is running


def test_customers_join_before_their_first_order_and_review(db):
    seed_demo(with_images=False)
    customers = db.session.scalars(sa.select(User).where(User.role == UserRole.CUSTOMER)).all()
    joined = {c.id: c.created_at for c in customers}
    assert len(set(joined.values())) > len(customers) // 2  # not all "joined today"
    orders = db.session.scalars(sa.select(Order).where(Order.user_id.is_not(None))).all()
    assert orders
    for order in orders:
        assert joined[order.user_id] <= order.created_at, order.order_number
    for review in db.session.scalars(sa.select(Review).where(Review.user_id.is_not(None))):
        assert joined[review.user_id] <= review.created_at


def test_active_seasonal_coupons_are_in_season(db):
    seed_demo(with_images=False)
    today = date.today()
    for coupon in db.session.scalars(sa.select(Coupon).where(Coupon.status == CouponStatus.ACTIVE)):
        if coupon.start_date and coupon.end_date and coupon.start_date <= today <= coupon.end_date:
            row = next(c for c in records.coupons() if c.code == coupon.code)
            if row.season is not None:
                start, end, _ = coupon_dates(row, today)
                assert start is not None and end is not None and start <= today <= end


def test_every_review_text_fits_its_product(db):
    seed_demo(with_images=False)
    texts = {(t.title, t.comment): t.kind for t in records.review_texts()}
    reviews = db.session.execute(sa.select(Review.title, Review.comment, Product.category).join(Product)).all()
    assert reviews
    for title, comment, category in reviews:
        kind = texts[(title, comment)]
        assert kind in (category, ANY_KIND), (title, category)


def test_every_demo_photo_has_its_thumbnail(db, app, client):
    seed_demo(with_images=True)
    urls = db.session.scalars(sa.select(ProductImage.image_url)).all()
    assert urls
    for url in urls[:40]:
        assert client.get(url).status_code == 200, url
        assert client.get(thumbnail_url(url)).status_code == 200, thumbnail_url(url)
