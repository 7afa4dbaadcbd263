"""The product page's reviews: "verified purchase" from paid or delivered orders (one query a
page), the count of each star, sorting (newest, most helpful) with HTMX and without, the same
sort in the API, and "how to use" in the page's language."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from shop.extensions import db as _db
from shop.infra.columns import utcnow
from shop.orders.models import OrderStatus, PaymentStatus
from shop.reviews import services as reviews
from shop.reviews.models import Review
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, ReviewFactory, UserFactory
from tests.support.statements import sent_statements

HX = {"HX-Request": "true"}


def _titles(page: str) -> list[str]:
    return re.findall(r'class="review__title">([^<]+)<', page)


def _bought(user, product, **order):
    OrderItemFactory(order=OrderFactory(user=user, **order), product=product)


def test_verified_purchase_means_a_paid_or_delivered_order_with_the_product(client, db):
    item = ProductFactory(name_en="Rice Toner")
    other = ProductFactory()
    paid, delivered, cancelled, elsewhere, nobody = (UserFactory() for _ in range(5))
    _bought(paid, item, payment_status=PaymentStatus.PAID, status=OrderStatus.CONFIRMED)
    _bought(delivered, item, status=OrderStatus.DELIVERED)
    _bought(cancelled, item, payment_status=PaymentStatus.PAID, status=OrderStatus.CANCELLED)
    _bought(elsewhere, other, payment_status=PaymentStatus.PAID)
    ids = {
        name: ReviewFactory(product_id=item.id, user_id=user.id, title=name).id
        for name, user in (("paid", paid), ("delivered", delivered), ("cancelled", cancelled),
                           ("elsewhere", elsewhere), ("nobody", nobody))
    }  # fmt: skip
    page = _db.session.scalars(sa.select(Review).where(Review.product_id == item.id)).all()
    with sent_statements(_db.engine) as statements:
        verified = reviews.verified_purchase_ids(page)
    assert verified == {ids["paid"], ids["delivered"]}
    assert len(statements) == 1  # one query for the whole page of reviews
    html = client.get(f"/products/{item.slug}").text
    by = dict(re.findall(r'class="review__title">([^<]+)<.*?class="review__by">(.*?)</p>', html, re.S))
    assert {title for title, line in by.items() if "Verified purchase" in line} == {"paid", "delivered"}
    api = client.get(f"/api/v1/products/{item.id}/reviews").get_json()["data"]
    assert {r["title"] for r in api["data"] if r["is_verified_purchase"]} == {"paid", "delivered"}


def test_star_summary_counts_each_star_with_text_for_screen_readers(client, db):
    item = ProductFactory()
    for rating in (5, 5, 5, 4, 2):
        ReviewFactory(product_id=item.id, rating=rating)
    html = client.get(f"/products/{item.slug}").text
    counts = dict(re.findall(r'data-stars="(\d)">(\d+)<', html))
    assert counts == {"5": "3", "4": "1", "3": "0", "2": "1", "1": "0"}
    assert "(60% of reviews)" in html and 'class="rating-bars__bar" style="--share: 60%" aria-hidden="true"' in html


def test_reviews_sort_newest_or_most_helpful_with_htmx_without_it_and_in_the_api(client, db):
    item = ProductFactory()
    now = utcnow()
    ReviewFactory(product_id=item.id, title="Old but loved", helpful_count=9, created_at=now - timedelta(days=30))
    ReviewFactory(product_id=item.id, title="Newest", helpful_count=0, created_at=now)
    ReviewFactory(product_id=item.id, title="Middle", helpful_count=2, created_at=now - timedelta(days=3))
    page = client.get(f"/products/{item.slug}").text
    assert _titles(page) == ["Newest", "Middle", "Old but loved"]
    assert 'hx-get="/products/' in page and 'name="sort"' in page and "Most helpful" in page
    fragment = client.get(f"/products/{item.slug}/reviews?sort=helpful", headers=HX).text
    assert "<html" not in fragment and _titles(fragment) == ["Old but loved", "Middle", "Newest"]
    full = client.get(f"/products/{item.slug}/reviews?sort=helpful").text  # the form without JavaScript
    assert "<html" in full and _titles(full) == ["Old but loved", "Middle", "Newest"]
    assert '<option value="helpful" selected>' in full
    bad = client.get(f"/products/{item.slug}/reviews?sort=loudest")
    assert bad.status_code == 400 and "Sort the reviews by newest or most helpful." in bad.text
    api = client.get(f"/api/v1/products/{item.id}/reviews?sort=helpful").get_json()["data"]["data"]
    assert [r["title"] for r in api] == ["Old but loved", "Middle", "Newest"]
    assert client.get(f"/api/v1/products/{item.id}/reviews?sort=loudest").status_code == 422


def test_more_reviews_keep_the_sort(client, db):
    item = ProductFactory()
    for n in range(12):
        ReviewFactory(product_id=item.id, title=f"R{n:02d}", helpful_count=n)
    fragment = client.get(f"/products/{item.slug}/reviews?sort=helpful", headers=HX).text
    assert _titles(fragment)[:2] == ["R11", "R10"]
    assert f"/products/{item.slug}/reviews?page=2&amp;sort=helpful" in fragment


def test_how_to_use_is_shown_in_khmer_when_written_else_in_english(client, db):
    item = ProductFactory(usage_instructions="Pat onto clean skin.")
    assert "Pat onto clean skin." in client.get(f"/products/{item.slug}?lang=km").text
    assert item.usage_instructions_for("km") == "Pat onto clean skin."
    item.usage_instructions_kh = "ប៉ះលើស្បែកស្អាត។"  # migration 0014's column, or just the attribute
    assert item.usage_instructions_for("km") == "ប៉ះលើស្បែកស្អាត។"
    assert item.usage_instructions_for("en") == "Pat onto clean skin."
