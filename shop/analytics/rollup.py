"""The daily `performance_metrics` document: users, orders, revenue and what sold, for one UTC day.

Orders, revenue and purchases come from PostgreSQL (the truth, whole even if MongoDB lost events);
views and active visitors come from the raw events in MongoDB. Money is stored as BSON Decimal128
(a number, exact to the cent): `revenue` and `avg_order_value` read back as Decimal128.
Cancelled and refunded orders are not counted. `purchases` are units sold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from bson.decimal128 import Decimal128

from shop.accounts.models import User
from shop.analytics.store import get_events_mongo, get_mongo
from shop.analytics.tracking import EventType
from shop.analytics.writer import PERFORMANCE_METRICS, USER_ANALYTICS
from shop.catalog.models import Product
from shop.extensions import db
from shop.money import to_money
from shop.orders.models import Order, OrderItem, OrderStatus

TOP = 10
NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class Day:
    start: datetime
    end: datetime

    @classmethod
    def of(cls, day: date) -> Day:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        return cls(start, start + timedelta(days=1))


def compute_metrics(day: date) -> dict[str, Any]:
    """The seed's `metrics` object for `day` (UTC)."""
    span = Day.of(day)
    placed = sa.and_(Order.created_at >= span.start, Order.created_at < span.end, Order.status.not_in(NOT_COUNTED))
    orders, revenue = db.session.execute(
        sa.select(sa.func.count(Order.id), sa.func.coalesce(sa.func.sum(Order.total), 0)).where(placed)
    ).one()
    revenue = to_money(revenue)
    buyers = set(db.session.scalars(sa.select(Order.user_id).where(placed, Order.user_id.is_not(None)).distinct()))
    total_users = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.created_at < span.end))
    registrations = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.created_at >= span.start, User.created_at < span.end)
    )
    sold = db.session.execute(
        sa.select(OrderItem.product_id, Product.category, sa.func.sum(OrderItem.quantity))
        .join(Order, Order.id == OrderItem.order_id)
        .join(Product, Product.id == OrderItem.product_id)
        .where(placed)
        .group_by(OrderItem.product_id, Product.category)
    ).all()
    product_views, category_views, visitors = _views(span)
    products = _ranked(product_views, {pid: int(n) for pid, _c, n in sold}, "product_id")
    category_sales: dict[str, int] = {}
    for _pid, category, count in sold:
        if category:
            category_sales[category] = category_sales.get(category, 0) + int(count)
    return {
        "total_users": total_users or 0,
        "active_users": len(visitors | buyers),
        "new_registrations": registrations or 0,
        "total_orders": orders,
        "revenue": Decimal128(revenue),
        "avg_order_value": Decimal128(to_money(revenue / orders) if orders else Decimal("0.00")),
        "popular_products": products,
        "popular_categories": _ranked(category_views, category_sales, "category"),
    }


def _views(span: Day) -> tuple[dict[int, int], dict[str, int], set[int]]:
    collection = get_events_mongo()[USER_ANALYTICS]
    in_day = {"created_at": {"$gte": span.start, "$lt": span.end}}
    pipeline: list[dict[str, Any]] = [
        {"$match": {**in_day, "events.event_type": str(EventType.PRODUCT_VIEW)}},
        {"$unwind": "$events"},
        {"$match": {"events.event_type": str(EventType.PRODUCT_VIEW)}},
        {
            "$group": {
                "_id": {"p": "$events.event_data.product_id", "c": "$events.event_data.category"},
                "n": {"$sum": 1},
            }
        },
    ]
    products: dict[int, int] = {}
    categories: dict[str, int] = {}
    for row in collection.aggregate(pipeline):
        product_id, category = row["_id"].get("p"), row["_id"].get("c")
        if product_id is not None:
            products[product_id] = products.get(product_id, 0) + row["n"]
        if category:
            categories[category] = categories.get(category, 0) + row["n"]
    visitors = {uid for uid in collection.distinct("user_id", in_day) if uid is not None}
    return products, categories, visitors


def _ranked(views: dict, purchases: dict, key: str) -> list[dict[str, Any]]:
    """The TOP entries by purchases, then views (then key, for a stable order)."""
    keys = set(views) | set(purchases)
    ranked = sorted(keys, key=lambda k: (-purchases.get(k, 0), -views.get(k, 0), str(k)))[:TOP]
    return [{key: k, "views": views.get(k, 0), "purchases": purchases.get(k, 0)} for k in ranked]


def rollup(day: date) -> dict[str, Any]:
    """Compute and store (replacing any earlier run) the `performance_metrics` document for `day`."""
    document = {"date": Day.of(day).start, "metrics": compute_metrics(day), "created_at": datetime.now(UTC)}
    get_mongo()[PERFORMANCE_METRICS].replace_one({"date": document["date"]}, document, upsert=True)
    return document


def last_rollup() -> datetime | None:
    """When the latest rollup ran, if ever."""
    latest = get_mongo()[PERFORMANCE_METRICS].find_one({}, {"created_at": 1}, sort=[("created_at", -1)])
    return latest["created_at"] if latest else None
