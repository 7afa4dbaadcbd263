"""Helpful votes on reviews: one per shopper per review.

(Numbered after 0007, the refunds, which was written at the same time and already applied.)

- review_helpful_votes(review_id, user_id, created_at), unique (review_id, user_id): the
  database refuses a second vote, so two clicks racing cannot both count. reviews.helpful_count
  (the seed's counter) is incremented in the same transaction as the vote is inserted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_helpful_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_helpful_votes_review_id_reviews"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_review_helpful_votes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_helpful_votes")),
        sa.UniqueConstraint("review_id", "user_id", name="uq_review_helpful_votes_review_id_user_id"),
    )
    op.create_index("idx_review_helpful_votes_user_id", "review_helpful_votes", ["user_id"])


def downgrade():
    op.drop_index("idx_review_helpful_votes_user_id", table_name="review_helpful_votes")
    op.drop_table("review_helpful_votes")
