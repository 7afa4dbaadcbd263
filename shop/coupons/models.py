"""Seed tables `coupons` and `coupon_usage`."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model
from shop.infra.columns import IntArray, Money, TextArray, UTCDateTime, created_at, pg_enum, updated_at, utcnow


class CouponType(enum.StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"
    FREE_SHIPPING = "free_shipping"


class CouponStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    EXPIRED = "expired"


class Coupon(Model):
    __tablename__ = "coupons"
    __table_args__ = (
        sa.CheckConstraint(
            "(type = 'percentage' AND value >= 0 AND value <= 100) OR "
            "(type IN ('fixed', 'free_shipping') AND value >= 0)",
            name="valid_coupon_value",
        ),
        sa.CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR start_date <= end_date", name="valid_coupon_dates"
        ),
        sa.Index("idx_coupons_code", "code"),
        sa.Index(
            "idx_coupons_status",
            "status",
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        ),
        sa.Index("idx_coupons_dates", "start_date", "end_date"),
        # Added by migration 0002: the database itself refuses over-use.
        sa.CheckConstraint("usage_limit IS NULL OR used_count <= usage_limit", name="within_usage_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.Text)
    type: Mapped[CouponType] = mapped_column(pg_enum(CouponType, "coupon_type"))
    value: Mapped[Decimal] = mapped_column(Money())
    max_discount: Mapped[Decimal | None] = mapped_column(Money())
    usage_limit: Mapped[int | None]
    used_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # The seed's default is 1, but None means "no per-user limit" and must be storable; an ORM
    # column default would replace an explicit None, so the default is applied in __init__.
    usage_limit_per_user: Mapped[int | None]
    min_order_value: Mapped[Decimal | None] = mapped_column(Money())
    applicable_products: Mapped[list[int] | None] = mapped_column(IntArray)
    applicable_categories: Mapped[list[str] | None] = mapped_column(TextArray)
    status: Mapped[CouponStatus] = mapped_column(
        pg_enum(CouponStatus, "coupon_status"),
        default=CouponStatus.ACTIVE,
        server_default=CouponStatus.ACTIVE.value,
    )
    is_first_time_only: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("usage_limit_per_user", 1)
        super().__init__(**kwargs)


class CouponUsage(Model):
    __tablename__ = "coupon_usage"
    # Added by migration 0002: per-user usage counts and the usage list.
    __table_args__ = (
        sa.Index("idx_coupon_usage_coupon_id_user_id", "coupon_id", "user_id"),
        sa.Index("idx_coupon_usage_order_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(sa.ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    discount_amount: Mapped[Decimal] = mapped_column(Money())
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, server_default=sa.func.now())
