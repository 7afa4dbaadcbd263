"""Payments: attempts (one KHQR or cash on delivery each) with their append-only events, and on
orders the currency and amount asked for and why an order was cancelled.

- payment_attempts: the exact KHQR string and its md5 (unique: Bakong knows a QR by it), the
  amount (KHR in whole riel) and currency, the status, when it expires, and when the sweep
  should check it next (partial index on PostgreSQL: only attempts still looked at).
- payment_events: created, checked, paid, paid_after_expiry, expired, cash_received,
  mismatch... with the provider's raw answer. A partial unique index keeps at most one
  payment per attempt: paid twice is paid once.
- orders.payment_currency, payment_amount, cancel_reason.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ATTEMPT_STATUSES = ("open", "paid", "failed", "expired", "cancelled")
EVENT_KINDS = (
    "created", "checked", "paid", "paid_after_expiry", "failed", "expired", "cancelled", "restored",
    "refund_needed", "refunded", "cash_received", "mismatch",
)  # fmt: skip
ONE_PAYMENT_WHERE = sa.text("kind IN ('paid', 'paid_after_expiry')")


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("payment_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("payment_amount", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=100), nullable=True))

    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("qr_string", sa.Text(), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=20), nullable=True),
        sa.Column("check_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("status", ATTEMPT_STATUSES), name="valid_attempt_status"),
        sa.CheckConstraint("provider IN ('khqr', 'cod')", name="valid_attempt_provider"),
        sa.CheckConstraint("currency IN ('USD', 'KHR')", name="valid_attempt_currency"),
        sa.CheckConstraint("amount > 0", name="positive_attempt_amount"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_attempts_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint("md5", name=op.f("uq_payment_attempts_md5")),
    )
    op.create_index("idx_payment_attempts_order_id", "payment_attempts", ["order_id"])
    op.create_index(
        "idx_payment_attempts_due",
        "payment_attempts",
        ["next_check_at"],
        postgresql_where=sa.text("next_check_at IS NOT NULL"),
    )

    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("raw", JSON, nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.CheckConstraint(_in("kind", EVENT_KINDS), name="valid_payment_event_kind"),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_payment_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["payment_attempts.id"],
            name=op.f("fk_payment_events_attempt_id_payment_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    op.create_index("idx_payment_events_attempt_id", "payment_events", ["attempt_id"])
    op.create_index(
        "uq_payment_events_one_payment",
        "payment_events",
        ["attempt_id"],
        unique=True,
        postgresql_where=ONE_PAYMENT_WHERE,
        sqlite_where=ONE_PAYMENT_WHERE,
    )


def downgrade():
    op.drop_index("uq_payment_events_one_payment", table_name="payment_events")
    op.drop_index("idx_payment_events_attempt_id", table_name="payment_events")
    op.drop_table("payment_events")
    op.drop_index("idx_payment_attempts_due", table_name="payment_attempts")
    op.drop_index("idx_payment_attempts_order_id", table_name="payment_attempts")
    op.drop_table("payment_attempts")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("payment_amount")
        batch_op.drop_column("payment_currency")
