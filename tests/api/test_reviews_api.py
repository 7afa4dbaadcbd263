"""Shoppers' reviews over JSON: write, edit, delete (one per product), helpful votes, the verified
purchase badge, the product's rating, and bad input in English and Khmer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa

from api.tokens import issue_tokens
from shop.catalog import services as catalog
from shop.catalog.models import Product, ProductStatus
from shop.errors import ShopError
from shop.orders.models import OrderStatus
from shop.reviews import services as reviews
from shop.reviews.models import Review, ReviewHelpfulVote, ReviewStatus
from tests.api.helpers import bearer
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, ReviewFactory, UserFactory


def token_for(user) -> dict:
    return bearer(issue_tokens(user)["access_token"])


def write(client, user, product, **fields):
    body = {"product_id": product.id, "rating": 4, "title": "Nice", "comment": "Soaks in fast.", **fields}
    return client.post("/api/v1/reviews", json=body, headers=token_for(user))


def test_write_a_review_it_waits_for_moderation(client, db):
    user, product = UserFactory(first_name="Sokha", last_name="Chan"), ProductFactory()
    response = write(client, user, product)
    assert response.status_code == 201
    data = response.get_json()["data"]
    assert data["status"] == "pending"
    assert data["customer_name"] == "Sokha C."
    assert data["is_verified_purchase"] is False
    review = db.session.get(Review, data["id"])
    assert (review.user_id, review.product_id, review.rating, review.customer_email) == (
        user.id,
        product.id,
        4,
        user.email,
    )
    # Not public until approved.
    public = client.get(f"/api/v1/products/{product.id}/reviews").get_json()["data"]
    assert public["total_items"] == 0


def test_one_review_per_product_per_shopper(client, db):
    user, product = UserFactory(), ProductFactory()
    assert write(client, user, product).status_code == 201
    again = write(client, user, product, rating=1)
    assert again.status_code == 409
    body = again.get_json()
    assert body["message"] == "You have already reviewed this product. You can edit your review instead."
    assert body["error"]["details"] == {"product_id": [body["message"]]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1
    # Another shopper may review it.
    assert write(client, UserFactory(), product).status_code == 201


def test_reviewing_a_product_that_is_not_public_is_404(client, db):
    draft = ProductFactory(status=ProductStatus.DRAFT)
    assert write(client, UserFactory(), draft).status_code == 404
    assert (
        client.post(
            "/api/v1/reviews",
            json={"product_id": 999999, "rating": 5, "comment": "x"},
            headers=token_for(UserFactory()),
        ).status_code
        == 404
    )


def test_verified_purchase_needs_a_delivered_order_with_the_product(client, db):
    buyer, product = UserFactory(), ProductFactory()
    OrderItemFactory(order=OrderFactory(user=buyer, status=OrderStatus.SHIPPED), product=product)
    assert write(client, buyer, product).get_json()["data"]["is_verified_purchase"] is False
    OrderItemFactory(order=OrderFactory(user=buyer, status=OrderStatus.DELIVERED), product=product)
    review_id = db.session.scalar(sa.select(Review.id))
    edited = client.put(f"/api/v1/reviews/{review_id}", json={"rating": 5}, headers=token_for(buyer))
    assert edited.get_json()["data"]["is_verified_purchase"] is True
    # A delivered order of another product does not count.
    other = UserFactory()
    OrderItemFactory(order=OrderFactory(user=other, status=OrderStatus.DELIVERED), product=ProductFactory())
    assert write(client, other, product).get_json()["data"]["is_verified_purchase"] is False


def test_editing_an_approved_review_sends_it_back_to_moderation_and_out_of_the_rating(client, db, redis_client):
    user, product = UserFactory(), ProductFactory()
    review = ReviewFactory(user_id=user.id, product_id=product.id, rating=5, status=ReviewStatus.APPROVED)
    ReviewFactory(product_id=product.id, rating=3, status=ReviewStatus.APPROVED)
    catalog.refresh_product_stats([product.id])
    db.session.commit()
    cached = client.get(f"/api/v1/products/{product.id}").get_json()["data"]["rating"]
    assert cached == {"average": "4.00", "count": 2, "distribution": {"5": 1, "4": 0, "3": 1, "2": 0, "1": 0}}
    assert redis_client.exists(f"api:product:{product.id}")

    response = client.put(
        f"/api/v1/reviews/{review.id}", json={"comment": "Changed my mind.", "rating": 2}, headers=token_for(user)
    )
    assert response.status_code == 200
    assert response.get_json()["data"]["status"] == "pending"
    db.session.expire_all()
    stored = db.session.get(Product, product.id)
    assert (stored.rating_avg, stored.rating_count) == (Decimal("3.00"), 1)
    assert not redis_client.exists(f"api:product:{product.id}")  # the cache was told
    fresh = client.get(f"/api/v1/products/{product.id}").get_json()["data"]["rating"]
    assert (fresh["average"], fresh["count"]) == ("3.00", 1)


def test_an_edit_that_changes_nothing_keeps_the_review_approved(client, db):
    user = UserFactory()
    review = ReviewFactory(user_id=user.id, rating=5, title="Great", comment="Love it.", status=ReviewStatus.APPROVED)
    response = client.put(
        f"/api/v1/reviews/{review.id}",
        json={"rating": 5, "title": " Great ", "comment": "Love it."},
        headers=token_for(user),
    )
    assert response.get_json()["data"]["status"] == "approved"


def test_only_the_author_can_edit_or_delete_a_review(client, db):
    review = ReviewFactory()
    stranger = token_for(UserFactory())
    assert client.put(f"/api/v1/reviews/{review.id}", json={"rating": 1}, headers=stranger).status_code == 404
    assert client.delete(f"/api/v1/reviews/{review.id}", headers=stranger).status_code == 404
    assert client.post("/api/v1/reviews", json={"product_id": 1, "rating": 5, "comment": "x"}).status_code == 401


def test_deleting_an_approved_review_recounts_the_rating(client, db):
    user, product = UserFactory(), ProductFactory()
    review_id = ReviewFactory(user_id=user.id, product_id=product.id, rating=1, status=ReviewStatus.APPROVED).id
    ReviewFactory(product_id=product.id, rating=5, status=ReviewStatus.APPROVED)
    catalog.refresh_product_stats([product.id])
    db.session.commit()
    assert client.delete(f"/api/v1/reviews/{review_id}", headers=token_for(user)).status_code == 200
    db.session.expire_all()
    assert db.session.get(Review, review_id) is None
    stored = db.session.get(Product, product.id)
    assert (stored.rating_avg, stored.rating_count) == (Decimal("5.00"), 1)


def test_my_reviews_lists_every_status_with_the_product(client, db):
    user = UserFactory()
    pending = ReviewFactory(user_id=user.id, status=ReviewStatus.PENDING)
    rejected = ReviewFactory(user_id=user.id, status=ReviewStatus.REJECTED)
    ReviewFactory()  # someone else's
    body = client.get("/api/v1/user/reviews?limit=1", headers=token_for(user)).get_json()["data"]
    assert (body["total_items"], body["total_pages"], body["has_next_page"]) == (2, 2, True)
    page2 = client.get("/api/v1/user/reviews?limit=1&page=2", headers=token_for(user)).get_json()["data"]
    ids = {body["data"][0]["id"], page2["data"][0]["id"]}
    assert ids == {pending.id, rejected.id}
    assert set(page2["data"][0]["product"]) == {"id", "slug", "name"}


# ---------------------------------------------------------------- helpful votes


def test_a_helpful_vote_counts_once_and_never_on_your_own_review(client, db):
    author, reader = UserFactory(), UserFactory()
    review = ReviewFactory(user_id=author.id, status=ReviewStatus.APPROVED)
    first = client.post(f"/api/v1/reviews/{review.id}/helpful", headers=token_for(reader))
    assert first.status_code == 200
    assert first.get_json()["data"] == {"review_id": review.id, "helpful_count": 1}
    again = client.post(f"/api/v1/reviews/{review.id}/helpful", headers=token_for(reader))
    assert again.status_code == 409
    assert again.get_json()["message"] == "You have already marked this review as helpful."
    own = client.post(f"/api/v1/reviews/{review.id}/helpful", headers=token_for(author))
    assert own.status_code == 403
    assert own.get_json()["message"] == "You cannot mark your own review as helpful."
    db.session.expire_all()
    assert db.session.get(Review, review.id).helpful_count == 1


def test_only_shown_reviews_can_be_voted_helpful(client, db):
    pending = ReviewFactory(status=ReviewStatus.PENDING)
    assert client.post(f"/api/v1/reviews/{pending.id}/helpful", headers=token_for(UserFactory())).status_code == 404
    assert client.post("/api/v1/reviews/999999/helpful", headers=token_for(UserFactory())).status_code == 404


def test_helpful_votes_racing_are_each_counted_once(app, db):
    review_id = ReviewFactory(status=ReviewStatus.APPROVED).id
    voters = [UserFactory().id for _ in range(12)]
    # Every voter clicks twice at the same moment: 24 requests, 12 votes.
    attempts = voters + voters
    barrier = threading.Barrier(len(attempts))

    def vote(n: int):
        with app.app_context():
            barrier.wait()
            try:
                return reviews.mark_helpful(attempts[n], review_id)
            except ShopError as error:
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(attempts)) as pool:
        results = list(pool.map(vote, range(len(attempts))))
    counted = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, reviews.AlreadyVoted)]
    assert (len(counted), len(refused)) == (12, 12)
    assert sorted(counted) == list(range(1, 13))
    db.session.expire_all()
    assert db.session.get(Review, review_id).helpful_count == 12
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewHelpfulVote)) == 12


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "field", "english", "khmer"),
    [
        ({"rating": 6}, "rating", "Choose a rating from 1 to 5 stars.", "សូមជ្រើសរើសការវាយតម្លៃពី ១ ដល់ ៥ ផ្កាយ។"),
        ({"rating": "five"}, "rating", "Must be a whole number.", "ត្រូវតែជាចំនួនគត់។"),
        ({"comment": None}, "comment", "This field may not be empty.", None),
        ({"title": "x" * 256}, "title", "Must be at most 255 characters.", None),
        ({"surprise": 1}, "surprise", "Unknown field.", None),
    ],
)
def test_bad_review_input_is_422_and_writes_nothing(client, db, body, field, english, khmer):
    user, product = UserFactory(), ProductFactory()
    payload = {"product_id": product.id, "rating": 4, "comment": "Fine.", **body}
    response = client.post("/api/v1/reviews", json=payload, headers=token_for(user))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"json": {field: [english]}}
    if khmer:
        km = client.post("/api/v1/reviews?lang=km", json=payload, headers=token_for(user))
        assert km.get_json()["error"]["details"] == {"json": {field: [khmer]}}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


@pytest.mark.parametrize(
    ("comment", "english"),
    [
        ("   ", "This field is required."),
        ("bell \x07 byte", "Remove the special characters from this text."),
        # NUL is refused for every field before the view (shop/infra/inputs.py), as a 400 too.
        ("nul \x00 byte", "This contains a character that is not allowed (such as a NUL character)."),
    ],
)
def test_comments_the_service_refuses_are_400_in_english_and_khmer(app, client, db, comment, english):
    user, product = UserFactory(), ProductFactory()
    payload = {"product_id": product.id, "rating": 4, "comment": comment}
    response = client.post("/api/v1/reviews", json=payload, headers=token_for(user))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {"comment": [english]}
    km = client.post("/api/v1/reviews", json=payload, headers={**token_for(user), "Accept-Language": "km"})
    with app.test_request_context("/?lang=km"):
        from flask_babel import gettext

        assert km.get_json()["message"] == gettext(english) != english
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_review_text_is_plain_text_in_json(client, db):
    user, product = UserFactory(), ProductFactory()
    data = write(client, user, product, comment="<script>alert(1)</script>\r\nsecond line").get_json()["data"]
    assert data["comment"] == "<script>alert(1)</script>\nsecond line"
