"""Seed table `reviews`."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import Model
from shop.infra.columns import created_at, pg_enum, updated_at

# A rating is a whole number of stars from 1 to MAX_RATING (the database checks it too).
MAX_RATING = 5
RATINGS_BEST_FIRST = tuple(range(MAX_RATING, 0, -1))  # as the pages list them


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Review(Model):
    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="valid_rating"),
        sa.Index("idx_reviews_product_id", "product_id"),
        sa.Index(
            "idx_reviews_status",
            "status",
            postgresql_where=sa.text("status = 'approved'"),
            sqlite_where=sa.text("status = 'approved'"),
        ),
        sa.Index("idx_reviews_user_id", "user_id"),
        # Added by migration 0002: one review per product per user.
        sa.UniqueConstraint("product_id", "user_id", name="uq_reviews_product_id_user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int]
    title: Mapped[str | None] = mapped_column(sa.String(255))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    customer_name: Mapped[str | None] = mapped_column(sa.String(255))
    customer_email: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[ReviewStatus] = mapped_column(
        pg_enum(ReviewStatus, "review_status"),
        default=ReviewStatus.PENDING,
        server_default=ReviewStatus.PENDING.value,
    )
    is_verified_purchase: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    helpful_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    # Not loaded unless asked for (selectinload in the listings that show them).
    product = relationship("Product", lazy="select", viewonly=True)
    user = relationship("User", lazy="select", viewonly=True)


class ReviewHelpfulVote(Model):
    """One shopper found one review helpful (migration 0008; the seed only has the counter).

    The unique pair makes "once per user" the database's rule; reviews.helpful_count is kept in
    step by an atomic increment in the same transaction.
    """

    __tablename__ = "review_helpful_votes"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "user_id", name="uq_review_helpful_votes_review_id_user_id"),
        sa.Index("idx_review_helpful_votes_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at()
