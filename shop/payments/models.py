"""Payments (migration 0012): each order has payment attempts, each attempt an append-only list
of events with the provider's raw answer. The order's `payment_status` follows from them
(shop.payments.services.refresh_payment_status)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import Model
from shop.infra.columns import JSONType, Money, UTCDateTime, created_at
from shop.orders.models import Order


class AttemptStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the money
    PAID = "paid"
    FAILED = "failed"  # the provider says the payment failed
    EXPIRED = "expired"  # not paid in time (late money is still looked for)
    CANCELLED = "cancelled"  # the order was cancelled while the attempt was open


class EventKind(enum.StrEnum):
    CREATED = "created"
    CHECKED = "checked"  # the provider's answer changed (not every poll: only what is new)
    PAID = "paid"
    PAID_AFTER_EXPIRY = "paid_after_expiry"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    RESTORED = "restored"  # a late payment brought the order back (stock was still there)
    REFUND_NEEDED = "refund_needed"  # money we cannot keep: a late payment without stock, a second payment
    REFUNDED = "refunded"
    CASH_RECEIVED = "cash_received"
    MISMATCH = "mismatch"  # money reported that does not match the attempt: never counted as paid


# Kinds that mean "the money for this attempt arrived": at most one per attempt (an index).
PAYMENT_KINDS = (EventKind.PAID.value, EventKind.PAID_AFTER_EXPIRY.value)
ONE_PAYMENT_WHERE = sa.text("kind IN ('paid', 'paid_after_expiry')")


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{member.value}'" for member in values) + ")"


class PaymentAttempt(Model):
    """One way the shopper was asked to pay an order: one KHQR (its exact string and md5), or
    cash on delivery. A renewed QR is a new attempt."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        sa.CheckConstraint(_in("status", AttemptStatus), name="valid_attempt_status"),
        sa.CheckConstraint("provider IN ('khqr', 'cod')", name="valid_attempt_provider"),
        sa.CheckConstraint("currency IN ('USD', 'KHR')", name="valid_attempt_currency"),
        sa.CheckConstraint("amount > 0", name="positive_attempt_amount"),
        sa.Index("idx_payment_attempts_order_id", "order_id"),
        # The sweep: attempts still looked at, the next one due first.
        sa.Index("idx_payment_attempts_due", "next_check_at", postgresql_where=sa.text("next_check_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(sa.String(20))
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount: Mapped[Decimal] = mapped_column(Money())  # KHR in whole riel
    qr_string: Mapped[str | None] = mapped_column(sa.Text)
    md5: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=AttemptStatus.OPEN.value, server_default="open")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at()
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the last check said (an Outcome), so that only changes become events.
    last_outcome: Mapped[str | None] = mapped_column(sa.String(20))
    check_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the sweep should ask again; NULL once nothing more can happen.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bakong's "open in my bank app" short link (migration 0017), stored by a job after the
    # attempt is committed; NULL until then, and for good when Bakong could not make one.
    deeplink_url: Mapped[str | None] = mapped_column(sa.String(500))

    order: Mapped[Order] = relationship()
    events: Mapped[list[PaymentEvent]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", passive_deletes=True, order_by="PaymentEvent.id"
    )

    def __repr__(self) -> str:
        return f"<PaymentAttempt {self.id} {self.provider} {self.amount} {self.currency} {self.status}>"


class PaymentEvent(Model):
    """Something that happened to an attempt, never updated or deleted: created, each new
    answer of the provider, paid, expired, cash received, a mismatch shown to staff..."""

    __tablename__ = "payment_events"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", EventKind), name="valid_payment_event_kind"),
        sa.Index("idx_payment_events_attempt_id", "attempt_id"),
        # Paid twice is paid once: the database keeps at most one payment per attempt.
        sa.Index(
            "uq_payment_events_one_payment",
            "attempt_id",
            unique=True,
            postgresql_where=ONE_PAYMENT_WHERE,
            sqlite_where=ONE_PAYMENT_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_attempts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    note: Mapped[str | None] = mapped_column(sa.Text)
    raw: Mapped[dict | None] = mapped_column(JSONType)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()

    attempt: Mapped[PaymentAttempt] = relationship(back_populates="events")
