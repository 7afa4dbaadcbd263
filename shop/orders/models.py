"""Orders: `orders`, `order_items` (seed) and `order_status_events` (migration 0002)."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import Model
from shop.infra.columns import JSONType, Money, UTCDateTime, created_at, pg_enum, updated_at

if TYPE_CHECKING:
    from shop.catalog.models import Product


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    FAILED = "failed"


class FulfillmentStatus(enum.StrEnum):
    UNFULFILLED = "unfulfilled"
    PARTIAL = "partial"
    FULFILLED = "fulfilled"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


# PostgreSQL compares NUMERIC exactly, as the seed wrote it. SQLite stores REAL, where
# 0.1 + 0.2 != 0.3, so it checks to within half a cent.
VALID_TOTAL_PG = "total = subtotal + tax_amount + shipping_amount - discount_amount"
VALID_TOTAL_SQLITE = "abs(total - (subtotal + tax_amount + shipping_amount - discount_amount)) < 0.005"


class Order(Model):
    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint(VALID_TOTAL_PG, name="valid_total").ddl_if(dialect="postgresql"),
        sa.CheckConstraint(VALID_TOTAL_SQLITE, name="valid_total").ddl_if(dialect="sqlite"),
        sa.Index("idx_orders_user_id", "user_id"),
        sa.Index("idx_orders_status", "status"),
        sa.Index("idx_orders_created_at", "created_at"),
        sa.Index("idx_orders_order_number", "order_number"),
        # Added by migration 0013: look-ups by contact, a guest's coupon uses.
        sa.Index("idx_orders_customer_email", "customer_email"),
        sa.Index("idx_orders_customer_phone", "customer_phone"),
        # Added by migration 0002.
        sa.CheckConstraint(
            "subtotal >= 0 AND tax_amount >= 0 AND shipping_amount >= 0 AND discount_amount >= 0 AND total >= 0",
            name="non_negative_amounts",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(sa.String(50), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    customer_name: Mapped[str | None] = mapped_column(sa.String(255))
    customer_email: Mapped[str] = mapped_column(sa.String(255))
    # Added by migration 0013: the contact phone (E.164); a guest order (no user) is found by it.
    customer_phone: Mapped[str | None] = mapped_column(sa.String(20))
    # Added by migration 0014: a guest's language (en, km), for every email about the order.
    customer_language: Mapped[str | None] = mapped_column(sa.String(5))

    subtotal: Mapped[Decimal] = mapped_column(Money())
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"), server_default="0")
    shipping_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"), server_default="0")
    discount_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"), server_default="0")
    total: Mapped[Decimal] = mapped_column(Money())

    status: Mapped[OrderStatus] = mapped_column(
        pg_enum(OrderStatus, "order_status"),
        default=OrderStatus.PENDING,
        server_default=OrderStatus.PENDING.value,
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        pg_enum(PaymentStatus, "payment_status"),
        default=PaymentStatus.PENDING,
        server_default=PaymentStatus.PENDING.value,
    )
    fulfillment_status: Mapped[FulfillmentStatus] = mapped_column(
        pg_enum(FulfillmentStatus, "fulfillment_status"),
        default=FulfillmentStatus.UNFULFILLED,
        server_default=FulfillmentStatus.UNFULFILLED.value,
    )

    shipping_address: Mapped[dict | None] = mapped_column(JSONType)
    billing_address: Mapped[dict | None] = mapped_column(JSONType)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    tracking_number: Mapped[str | None] = mapped_column(sa.String(100))

    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Added by migration 0002: a retried checkout with the same key finds this order.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    payment_method: Mapped[str] = mapped_column(sa.String(30), default="cod", server_default="cod")
    shipping_method: Mapped[str | None] = mapped_column(sa.String(30))
    # Added by migration 0012: what the shopper is asked to pay, in which currency (KHR in whole
    # riel), and why an order was cancelled ("payment expired").
    payment_currency: Mapped[str | None] = mapped_column(sa.String(3))
    payment_amount: Mapped[Decimal | None] = mapped_column(Money())
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(100))

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", passive_deletes=True, order_by="OrderItem.id"
    )
    events: Mapped[list[OrderStatusEvent]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OrderStatusEvent.id",
    )

    def __repr__(self) -> str:
        return f"<Order {self.order_number} {self.status}>"


class OrderItem(Model):
    __tablename__ = "order_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="positive_quantity"),
        sa.Index("idx_order_items_order_id", "order_id"),
        sa.Index("idx_order_items_product_id", "product_id"),
        # Added by migration 0016.
        sa.Index("idx_order_items_variant_id", "variant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="RESTRICT"))
    product_name: Mapped[str] = mapped_column(sa.String(255))
    product_sku: Mapped[str | None] = mapped_column(sa.String(100))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money())
    total_price: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = created_at()
    # Added by migration 0016: the variant sold (an ordered variant is archived, never deleted),
    # its name ("50 ml") and SKU as they were; product_sku holds the variant's SKU too.
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="RESTRICT"))
    variant_name: Mapped[str | None] = mapped_column(sa.String(255))
    variant_sku: Mapped[str | None] = mapped_column(sa.String(100))
    # Added by migration 0019: the same names in Khmer, as they were (None: the product had none).
    product_name_kh: Mapped[str | None] = mapped_column(sa.String(255))
    variant_name_kh: Mapped[str | None] = mapped_column(sa.String(255))

    order: Mapped[Order] = relationship(back_populates="items")
    # The product as it is now (the row above keeps what was sold). Set at checkout, so what runs
    # after the commit (analytics) reads it without another query.
    product: Mapped[Product | None] = relationship()


class OrderStatusEvent(Model):
    """One row per status change: the shopper's timeline and the staff's history."""

    __tablename__ = "order_status_events"
    __table_args__ = (sa.Index("idx_order_status_events_order_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(sa.String(30))
    to_status: Mapped[str] = mapped_column(sa.String(30))
    note: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()

    order: Mapped[Order] = relationship(back_populates="events")


class OrderRefund(Model):
    """Money given back on an order (migration 0007). Their sum never exceeds what was paid."""

    __tablename__ = "order_refunds"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="positive_refund"),
        sa.Index("idx_order_refunds_order_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str | None] = mapped_column(sa.Text)
    restocked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()
