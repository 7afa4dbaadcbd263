"""The dashboard's figures.

Revenue is the sum of the totals of orders that are not cancelled or refunded (partial refunds
are not taken off: they are listed on the order); "orders" counts the same orders, "customers"
the distinct customer emails among them, and the average order value is revenue / orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.catalog.models import LOW_STOCK_THRESHOLD, Product, ProductStatus, ProductVariant
from shop.extensions import db
from shop.money import to_money
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.reporting.periods import since
from shop.reviews import services as reviews

NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
COUNTED = Order.status.not_in(NOT_COUNTED)
PERIODS = (1, 7, 30)


@dataclass(frozen=True)
class Stats:
    days: int
    revenue: Decimal
    orders: int
    customers: int

    @property
    def average_order_value(self) -> Decimal:
        return to_money(self.revenue / self.orders) if self.orders else Decimal("0.00")


def stats(days: int) -> Stats:
    """Revenue, orders, customers over the last `days` shop days (1 = today)."""
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Order.total), 0),
            sa.func.count(Order.id),
            sa.func.count(sa.distinct(sa.func.lower(Order.customer_email))),
        ).where(COUNTED, Order.created_at >= since(days))
    ).one()
    return Stats(days, to_money(row[0]), row[1], row[2])


def all_stats() -> list[Stats]:
    """Today, the last 7 days and the last 30 days."""
    return [stats(days) for days in PERIODS]


def recent_orders(limit: int = 10) -> list[Order]:
    """The latest orders, whatever their status."""
    return list(db.session.scalars(sa.select(Order).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)))


@dataclass(frozen=True)
class TopProduct:
    product_id: int | None
    name: str
    units: int
    revenue: Decimal


def top_products(days: int = 30, limit: int = 5) -> list[TopProduct]:
    """The products that brought in the most over the last `days` days (counted orders only)."""
    revenue = sa.func.sum(OrderItem.total_price)
    rows = db.session.execute(
        sa.select(OrderItem.product_id, sa.func.max(OrderItem.product_name), sa.func.sum(OrderItem.quantity), revenue)
        .join(Order, Order.id == OrderItem.order_id)
        .where(COUNTED, Order.created_at >= since(days))
        .group_by(OrderItem.product_id)
        .order_by(revenue.desc(), OrderItem.product_id)
        .limit(limit)
    ).all()
    return [TopProduct(pid, name, int(units), to_money(total)) for pid, name, units, total in rows]


def low_stock(threshold: int = LOW_STOCK_THRESHOLD, limit: int = 10) -> list[Product]:
    """Active products whose tracked stock is at or below `threshold`, lowest first (sold out
    ones too: the staff must restock them first)."""
    query = (
        sa.select(Product)
        .where(Product.status == ProductStatus.ACTIVE, Product.track_inventory, Product.stock <= threshold)
        .order_by(Product.stock, Product.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def low_stock_variants(threshold: int = LOW_STOCK_THRESHOLD, limit: int = 10) -> list[ProductVariant]:
    """The sizes and shades running low (tracked, at or below `threshold`, sold out first) of
    active products sold in several: the product's total can hide one size that is gone."""
    query = (
        sa.select(ProductVariant)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(
            Product.status == ProductStatus.ACTIVE,
            ProductVariant.archived_at.is_(None),
            ProductVariant.option_value_en.is_not(None),
            ProductVariant.track_stock,
            ProductVariant.stock <= threshold,
        )
        .order_by(ProductVariant.stock, ProductVariant.id)
        .limit(limit)
        .options(selectinload(ProductVariant.product))
    )
    return list(db.session.scalars(query))


def pending_reviews() -> int:
    """Reviews waiting for a moderator."""
    return reviews.pending_count()
