"""What the recommenders learn from: products and users from PostgreSQL, purchases (orders not
cancelled or refunded) and wishlists from PostgreSQL, product views and cart adds from the
MongoDB `user_analytics` events (the seed's shape: {user_id, events: [{event_type,
event_data: {product_id, timestamp}}], created_at})."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa

from shop.accounts.models import User
from shop.analytics.store import get_events_mongo
from shop.catalog.models import Product
from shop.extensions import db
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.recommendations.training import WEIGHTS, Interactions, Products
from shop.wishlist.models import WishlistItem

NOT_BOUGHT = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
# Mongo event types -> interaction kinds. Purchases are read from the orders themselves.
EVENT_KINDS = {"product_view": "view", "cart_add": "cart_add"}


def load_products() -> Products:
    """Every product (inactive ones too: their history still links others; serving filters)."""
    rows = db.session.execute(
        sa.select(
            Product.id,
            Product.category,
            Product.skin_type,
            Product.skin_concerns,
            Product.ingredients,
            Product.brand,
            Product.name_en,
            Product.name_kh,
            Product.short_description,
            Product.description_en,
            Product.description_kh,
        ).order_by(Product.id)
    ).all()
    return Products(
        ids=np.asarray([r.id for r in rows], dtype=np.int64),
        categories=[r.category for r in rows],
        skin_types=[r.skin_type.value for r in rows],
        concerns=[list(r.skin_concerns or ()) for r in rows],
        ingredients=[[str(i) for i in (r.ingredients or ())] for r in rows],
        texts=[
            " ".join(
                part or ""
                for part in (
                    r.brand,
                    r.name_en,
                    r.name_kh,
                    r.short_description,
                    r.description_en,
                    r.description_kh,
                )
            )
            for r in rows
        ],
    )


def _epoch(value: datetime | None) -> float:
    return value.timestamp() if value else 0.0


def _purchases(user_id: int | None) -> Iterator[tuple[int, int, float, float]]:
    query = (
        sa.select(Order.user_id, OrderItem.product_id, Order.created_at)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(Order.user_id.is_not(None), OrderItem.product_id.is_not(None), Order.status.not_in(NOT_BOUGHT))
    )
    if user_id is not None:
        query = query.where(Order.user_id == user_id)
    for uid, pid, created in db.session.execute(query):
        yield uid, pid, WEIGHTS["purchase"], _epoch(created)


def _wishlist(user_id: int | None) -> Iterator[tuple[int, int, float, float]]:
    query = sa.select(WishlistItem.user_id, WishlistItem.product_id, WishlistItem.created_at)
    if user_id is not None:
        query = query.where(WishlistItem.user_id == user_id)
    for uid, pid, created in db.session.execute(query):
        yield uid, pid, WEIGHTS["wishlist"], _epoch(created)


def _events(user_id: int | None) -> Iterator[tuple[int, int, float, float]]:
    match = {"user_id": user_id} if user_id is not None else {"user_id": {"$ne": None}}
    pipeline: list[dict[str, Any]] = [
        {"$match": match},
        {"$unwind": "$events"},
        {"$match": {"events.event_type": {"$in": list(EVENT_KINDS)}, "events.event_data.product_id": {"$ne": None}}},
        {
            "$project": {
                "user_id": 1,
                "created_at": 1,
                "type": "$events.event_type",
                "product_id": "$events.event_data.product_id",
                "timestamp": "$events.event_data.timestamp",
            }
        },
    ]
    for row in get_events_mongo()["user_analytics"].aggregate(pipeline):
        try:
            uid, pid = int(row["user_id"]), int(row["product_id"])
        except (TypeError, ValueError):
            continue  # a malformed event must not stop training
        when = row.get("timestamp") or row.get("created_at")
        yield uid, pid, WEIGHTS[EVENT_KINDS[row["type"]]], _epoch(when if isinstance(when, datetime) else None)


def load_interactions(user_id: int | None = None) -> Interactions:
    """Every interaction (or one user's): purchases, wishlist saves, cart adds, views."""
    rows = [*_purchases(user_id), *_wishlist(user_id), *_events(user_id)]
    return Interactions.from_rows(rows)


def load_profiles() -> dict[int, tuple[str, list[str], list[str]]]:
    """Skin profiles of users who have one (took the analysis or set concerns)."""
    rows = db.session.execute(
        sa.select(User.id, User.skin_type, User.skin_concerns, User.avoided_ingredients).where(
            User.skin_concerns.is_not(None)
        )
    )
    return {uid: (skin.value, list(concerns or ()), list(avoid or ())) for uid, skin, concerns, avoid in rows}


def last_purchases(user_id: int) -> dict[int, datetime]:
    """When the user last bought each product (orders not cancelled or refunded)."""
    query = (
        sa.select(OrderItem.product_id, sa.func.max(Order.created_at))
        .join(Order, OrderItem.order_id == Order.id)
        .where(Order.user_id == user_id, OrderItem.product_id.is_not(None), Order.status.not_in(NOT_BOUGHT))
        .group_by(OrderItem.product_id)
    )
    return {pid: when for pid, when in db.session.execute(query)}
