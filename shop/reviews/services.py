"""Reviews: shoppers write, edit and delete their own (one per product), and mark other
shoppers' reviews helpful; staff moderate them. Every door (product page, JSON API, admin)
goes through these functions.

- Only approved reviews are shown and counted in the product's rating (products.rating_avg /
  rating_count, kept by shop.catalog.services.refresh_product_stats). Whenever a change adds a
  review to or takes one out of that set, the counters are refreshed in the same transaction and
  the catalog caches are invalidated after commit.
- Editing a review sends it back to `pending`, whatever its status was: text approved once could
  otherwise be replaced by anything after moderation. Until it is approved again it is not shown
  and not counted. An edit that changes nothing changes nothing.
- "Verified purchase" is set when the review is written or edited: the shopper has a delivered
  order with that product.
- Helpful votes: once per shopper per review (the database's unique pair), never on one's own
  review, only on approved reviews; the counter is incremented atomically with the vote.
- Text is stored as plain text (trimmed, no control characters) and escaped where it is shown.
- Staff changes (status, deletion) are recorded in the audit log, in the same transaction.
- Lock order, against deadlocks: the product rows first (sorted), then the review rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.audit.actors import Actor
from shop.catalog import services as catalog
from shop.catalog.models import Product
from shop.errors import Conflict, Forbidden, NotFound, ShopError
from shop.extensions import db
from shop.infra import redis_copies
from shop.infra.like import ESCAPE, contains
from shop.infra.transactions import rows_changed
from shop.orders.models import Order, OrderItem, OrderStatus, PaymentStatus
from shop.paging import Page, paginate
from shop.reviews.models import MAX_RATING, Review, ReviewHelpfulVote, ReviewStatus

MAX_TITLE = 255  # the column
MAX_COMMENT = 5000
MAX_BULK = 100
# Control characters other than tab and line breaks (PostgreSQL refuses NUL in text outright).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
STAFF_ACTIONS = {
    ReviewStatus.APPROVED: "review.approve",
    ReviewStatus.REJECTED: "review.reject",
    ReviewStatus.PENDING: "review.reopen",
}


class ReviewExists(Conflict):
    code = "review_exists"
    default_message = _l("You have already reviewed this product. You can edit your review instead.")


class AlreadyVoted(Conflict):
    code = "already_voted"
    default_message = _l("You have already marked this review as helpful.")


class OwnReview(Forbidden):
    code = "own_review"
    default_message = _l("You cannot mark your own review as helpful.")


# ---------------------------------------------------------------- input


@dataclass(frozen=True)
class ReviewContent:
    rating: int
    title: str | None
    comment: str | None


def clean_text(value: Any, *, field: str, max_length: int, required: bool = False) -> str | None:
    """Plain text as stored: trimmed, Windows line breaks made plain, no control characters;
    empty is None. ShopError (on `field`) when it is not text, too long, or missing."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ShopError(_l("Must be text."), field=field)
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        raise ShopError(_l("Remove the special characters from this text."), field=field)
    if len(text) > max_length:
        raise ShopError(_l("Must be at most %(max)s characters.", max=max_length), field=field)
    if required and not text:
        raise ShopError(_l("This field is required."), field=field)
    return text or None


def check_rating(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RATING:
        raise ShopError(_l("Choose a rating from 1 to 5 stars."), field="rating")
    return value


def check_content(rating: Any, title: Any, comment: Any) -> ReviewContent:
    """The review as it will be stored, or ShopError naming the first field that is wrong."""
    return ReviewContent(
        rating=check_rating(rating),
        title=clean_text(title, field="title", max_length=MAX_TITLE),
        comment=clean_text(comment, field="comment", max_length=MAX_COMMENT, required=True),
    )


def display_name(user) -> str | None:
    """How a review is signed: the first name and the initial of the last ("Sokha C.")."""
    first = (user.first_name or "").strip()
    last = (user.last_name or "").strip()
    if not first:
        return None
    return f"{first} {last[0]}." if last else first


# ---------------------------------------------------------------- the shopper's own reviews


def has_purchased(user_id: int, product_id: int) -> bool:
    """Whether the shopper has a delivered order with this product."""
    query = (
        sa.select(OrderItem.id)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.user_id == user_id, Order.status == OrderStatus.DELIVERED, OrderItem.product_id == product_id)
        .limit(1)
    )
    return db.session.scalar(query) is not None


# An order proves the purchase once it is paid or delivered, unless it was called off.
PROVES_PURCHASE = sa.and_(
    sa.or_(Order.status == OrderStatus.DELIVERED, Order.payment_status == PaymentStatus.PAID),
    Order.status.not_in([OrderStatus.CANCELLED, OrderStatus.REFUNDED]),
)


def verified_purchase_ids(reviews: Iterable[Review]) -> set[int]:
    """The ids of `reviews` whose author bought the product: the stored flag (set when the
    review was written or the order delivered), or an order with the product that is paid or
    delivered now. One query for a whole page of reviews, whatever its size."""
    listed = list(reviews)
    verified = {r.id for r in listed if r.is_verified_purchase}
    pending = [r for r in listed if r.id not in verified and r.user_id is not None]
    if not pending:
        return verified
    pairs = {(r.user_id, r.product_id): r.id for r in pending}
    rows = db.session.execute(
        sa.select(Order.user_id, OrderItem.product_id)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(
            Order.user_id.in_({r.user_id for r in pending}),
            OrderItem.product_id.in_({r.product_id for r in pending}),
            PROVES_PURCHASE,
        )
        .distinct()
    ).all()
    verified.update(pairs[(user_id, product_id)] for user_id, product_id in rows if (user_id, product_id) in pairs)
    return verified


def mark_verified_purchases(order: Order) -> int:
    """A delivered order makes its shopper's reviews of its products verified purchases (reviews
    written before the parcel arrived). Returns how many changed; the caller commits."""
    product_ids = [item.product_id for item in order.items if item.product_id is not None]
    if order.user_id is None or not product_ids:
        return 0
    return rows_changed(
        sa.update(Review)
        .where(Review.user_id == order.user_id, Review.product_id.in_(product_ids), ~Review.is_verified_purchase)
        .values(is_verified_purchase=True)
    )


# ---------------------------------------------------------------- what a page shows as the shopper's own

COPY_TTL = 24 * 3600


def copy_key(user_id: int) -> str:
    return f"reviews:{user_id}"


@dataclass(frozen=True)
class ShopperReviews:
    """Which products the shopper reviewed (whatever the review's status) and which reviews they
    marked helpful."""

    products: frozenset[int]
    voted: frozenset[int]


def shopper_reviews(user_id: int) -> ShopperReviews:
    """The shopper's reviews and votes, as a product page asks for them on every request (the
    "your review" section, the helpful buttons): a copy in Redis (`reviews:{user_id}`, a day, exact
    under races: shop.infra.redis_copies) that every change of them forgets after its commit;
    else two queries. A review gone since (a product's removal) is simply not on the page."""
    key = copy_key(user_id)
    copy = redis_copies.read(key)
    if copy is not None and copy.value is not None:
        data = json.loads(copy.value)
        return ShopperReviews(frozenset(data["products"]), frozenset(data["voted"]))
    products = frozenset(db.session.scalars(sa.select(Review.product_id).where(Review.user_id == user_id)))
    voted = frozenset(
        db.session.scalars(sa.select(ReviewHelpfulVote.review_id).where(ReviewHelpfulVote.user_id == user_id))
    )
    value = json.dumps({"products": sorted(products), "voted": sorted(voted)})
    redis_copies.store(key, value, seen=copy, ttl=COPY_TTL)
    return ShopperReviews(products, voted)


def forget_copy(user_id: int | None) -> None:
    """After a commit that changed which products the user reviewed or which reviews they voted for."""
    if user_id is not None:
        redis_copies.forget(copy_key(user_id))


def review_for_product(user_id: int, product_id: int) -> Review | None:
    """The shopper's review of this product, whatever its status."""
    return db.session.scalar(sa.select(Review).where(Review.user_id == user_id, Review.product_id == product_id))


def get_own_review(user_id: int, review_id: int) -> Review:
    """The shopper's own review; anyone else's is NotFound."""
    review = db.session.scalar(sa.select(Review).where(Review.id == review_id, Review.user_id == user_id))
    if review is None:
        raise NotFound()
    return review


def list_user_reviews(user_id: int, *, page: int = 1, per_page: int = 20) -> Page:
    """The shopper's reviews, newest first, with their products and status."""
    return list_reviews(ReviewFilters(user_id=user_id), page=page, per_page=per_page)


def create_review(user, product_id: int, rating: Any, title: Any = None, comment: Any = None) -> Review:
    """Write a review of a public product; it waits for moderation. One per product per shopper
    (ReviewExists, 409, for a second one)."""
    content = check_content(rating, title, comment)
    if catalog.public_product_id(product_id) is None:
        raise NotFound(field="product_id")
    review = Review(
        product_id=product_id,
        user_id=user.id,
        rating=content.rating,
        title=content.title,
        comment=content.comment,
        customer_name=display_name(user),
        customer_email=user.email,
        status=ReviewStatus.PENDING,
        is_verified_purchase=has_purchased(user.id, product_id),
    )
    db.session.add(review)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        if _is_duplicate_review(error):
            raise ReviewExists(field="product_id") from error
        raise
    db.session.commit()
    forget_copy(user.id)
    return review


def _is_duplicate_review(error: sa.exc.IntegrityError) -> bool:
    text = str(error.orig)
    # PostgreSQL names the constraint; SQLite names the columns.
    return "uq_reviews_product_id_user_id" in text or "reviews.product_id, reviews.user_id" in text


def update_review(user, review_id: int, changes: dict[str, Any]) -> Review:
    """Change the shopper's own review (`rating`, `title`, `comment`; keys not given stay).
    A real change sends it back to moderation (see the module notes)."""
    unknown = set(changes) - {"rating", "title", "comment"}
    if unknown:
        raise ShopError(field=sorted(unknown)[0])
    review = get_own_review(user.id, review_id)
    merged = {"rating": review.rating, "title": review.title, "comment": review.comment, **changes}
    content = check_content(merged["rating"], merged["title"], merged["comment"])
    if content == ReviewContent(review.rating, review.title, review.comment):
        return review
    was_public = review.status == ReviewStatus.APPROVED
    _lock_products([review.product_id])
    review = _lock_reviews([review.id])[0]
    review.rating, review.title, review.comment = content.rating, content.title, content.comment
    review.status = ReviewStatus.PENDING
    review.customer_name = display_name(user)
    review.is_verified_purchase = has_purchased(user.id, review.product_id)
    _commit_recounting({review.product_id} if was_public else set())
    return review


def delete_review(user, review_id: int) -> None:
    """Delete the shopper's own review (and its helpful votes)."""
    review = get_own_review(user.id, review_id)
    _lock_products([review.product_id])
    review = _lock_reviews([review.id])[0]
    product_id, was_public = review.product_id, review.status == ReviewStatus.APPROVED
    db.session.delete(review)
    _commit_recounting({product_id} if was_public else set())
    forget_copy(user.id)


# ---------------------------------------------------------------- helpful votes


def mark_helpful(user_id: int, review_id: int) -> int:
    """Count the shopper's vote for a review they found helpful; returns the new count.
    AlreadyVoted (409) the second time, OwnReview (403) on their own review, NotFound for a
    review that is not shown."""
    review = db.session.scalar(
        sa.select(Review)
        .join(Product, Product.id == Review.product_id)
        .where(Review.id == review_id, Review.status == ReviewStatus.APPROVED, catalog.PUBLIC)
    )
    if review is None:
        raise NotFound()
    if review.user_id == user_id:
        raise OwnReview()
    try:
        with db.session.begin_nested():
            db.session.add(ReviewHelpfulVote(review_id=review_id, user_id=user_id))
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise AlreadyVoted() from error
    count = db.session.execute(
        sa.update(Review)
        .where(Review.id == review_id)
        .values(helpful_count=Review.helpful_count + 1)
        .returning(Review.helpful_count)
    ).scalar_one()
    db.session.commit()
    forget_copy(user_id)
    catalog.invalidate_product_pages()  # the pages show the count
    return count


def voted_review_ids(user_id: int, review_ids: Iterable[int]) -> set[int]:
    """Which of these reviews the shopper already marked helpful."""
    ids = list(review_ids)
    if not ids:
        return set()
    query = sa.select(ReviewHelpfulVote.review_id).where(
        ReviewHelpfulVote.user_id == user_id, ReviewHelpfulVote.review_id.in_(ids)
    )
    return set(db.session.scalars(query))


# ---------------------------------------------------------------- staff: the moderation queue


@dataclass(frozen=True)
class ReviewFilters:
    status: ReviewStatus | None = None
    rating: int | None = None
    product_id: int | None = None
    user_id: int | None = None
    query: str = ""  # words in the title, comment, reviewer, product name or SKU


def list_reviews(filters: ReviewFilters = ReviewFilters(), *, page: int = 1, per_page: int = 20) -> Page:
    """Reviews matching `filters`, one page, newest first, with product and reviewer loaded."""
    conditions = []
    if filters.status is not None:
        conditions.append(Review.status == filters.status)
    if filters.rating is not None:
        conditions.append(Review.rating == filters.rating)
    if filters.product_id is not None:
        conditions.append(Review.product_id == filters.product_id)
    if filters.user_id is not None:
        conditions.append(Review.user_id == filters.user_id)
    if filters.query.strip():
        pattern = contains(filters.query.strip())
        products = sa.select(Product.id).where(
            sa.or_(Product.name_en.ilike(pattern, escape=ESCAPE), Product.sku.ilike(pattern, escape=ESCAPE))
        )
        conditions.append(
            sa.or_(
                Review.title.ilike(pattern, escape=ESCAPE),
                Review.comment.ilike(pattern, escape=ESCAPE),
                Review.customer_name.ilike(pattern, escape=ESCAPE),
                Review.customer_email.ilike(pattern, escape=ESCAPE),
                Review.product_id.in_(products),
            )
        )
    query = sa.select(Review).where(*conditions).order_by(Review.created_at.desc(), Review.id.desc())
    return paginate(
        query, page=page, per_page=per_page, options=(selectinload(Review.product), selectinload(Review.user))
    )


def pending_count() -> int:
    """Reviews waiting for moderation."""
    query = sa.select(sa.func.count()).select_from(Review).where(Review.status == ReviewStatus.PENDING)
    return db.session.scalar(query) or 0


def get_review(review_id: int) -> Review:
    review = db.session.scalar(
        sa.select(Review).where(Review.id == review_id).options(selectinload(Review.product), selectinload(Review.user))
    )
    if review is None:
        raise NotFound()
    return review


def snapshot(review: Review) -> dict[str, Any]:
    """What the audit log keeps of a review."""
    return {
        "product_id": review.product_id,
        "user_id": review.user_id,
        "rating": review.rating,
        "title": review.title,
        "comment": review.comment,
        "status": review.status.value,
        "helpful_count": review.helpful_count,
    }


def set_status(review_ids: Sequence[int], status: ReviewStatus, *, actor: Actor) -> list[Review]:
    """Approve, reject or reopen reviews (one, or up to MAX_BULK at once, all or nothing).
    Each review that changes gets an audit entry; ratings are recounted. NotFound when any id
    is unknown (nothing changes)."""
    status = ReviewStatus(status)
    ids = _check_ids(review_ids)
    reviews = _lock_for_staff(ids)
    recount = set()
    for review in reviews:
        if review.status == status:
            continue
        before = review.status
        review.status = status
        if ReviewStatus.APPROVED in (before, status):
            recount.add(review.product_id)
        actor.record(
            STAFF_ACTIONS[status], "review", review.id, before={"status": before.value}, after={"status": status.value}
        )
    _commit_recounting(recount)
    return reviews


def delete_reviews(review_ids: Sequence[int], *, actor: Actor) -> int:
    """Delete reviews (with their helpful votes), each with an audit entry keeping what it said.
    Returns how many; NotFound when any id is unknown (nothing is deleted)."""
    ids = _check_ids(review_ids)
    reviews = _lock_for_staff(ids)
    recount = set()
    authors = {review.user_id for review in reviews}
    for review in reviews:
        if review.status == ReviewStatus.APPROVED:
            recount.add(review.product_id)
        actor.record("review.delete", "review", review.id, before=snapshot(review), after=None)
        db.session.delete(review)
    _commit_recounting(recount)
    for author in authors:
        forget_copy(author)
    return len(reviews)


def _check_ids(review_ids: Sequence[int]) -> list[int]:
    ids = sorted(set(review_ids))
    if not ids:
        raise ShopError(_l("Choose at least one review."), field="ids")
    if len(ids) > MAX_BULK:
        raise ShopError(_l("Choose at most %(max)s reviews at once.", max=MAX_BULK), field="ids")
    return ids


def _lock_for_staff(ids: list[int]) -> list[Review]:
    product_ids = db.session.scalars(sa.select(Review.product_id).where(Review.id.in_(ids))).all()
    if len(product_ids) != len(ids):
        raise NotFound(field="ids")
    _lock_products(product_ids)
    reviews = _lock_reviews(ids)
    if len(reviews) != len(ids):  # deleted meanwhile
        db.session.rollback()
        raise NotFound(field="ids")
    return reviews


def _lock_products(product_ids: Iterable[int]) -> None:
    """Moderation of one product's reviews in turn, so each recount sees the other's change."""
    ids = sorted(set(product_ids))
    db.session.execute(sa.select(Product.id).where(Product.id.in_(ids)).order_by(Product.id).with_for_update())


def _lock_reviews(ids: Sequence[int]) -> list[Review]:
    query = (
        sa.select(Review)
        .where(Review.id.in_(list(ids)))
        .order_by(Review.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(query))


def _commit_recounting(product_ids: set[int]) -> None:
    """Commit; when approved reviews came or went, with those products' ratings recounted in
    the same transaction and the catalog caches told afterwards."""
    if product_ids:
        catalog.refresh_product_stats(product_ids)
    db.session.commit()
    if product_ids:
        catalog.invalidate_catalog_cache(product_ids=product_ids)
