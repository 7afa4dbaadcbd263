"""Wishlists: a shopper's saved products.

The hearts on every card of a listing need the shopper's saved ids: they are read from a copy
in Redis (`wishlist:{user_id}`, a day), exact under races (shop.infra.redis_copies), that every
change forgets after its commit.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from shop.catalog.models import Product, ProductStatus
from shop.errors import NotFound
from shop.extensions import db
from shop.infra import redis_copies
from shop.infra.transactions import rows_changed
from shop.wishlist.models import WishlistItem


def list_items(user_id: int) -> list[Product]:
    """The saved products, newest first (inactive ones included, so the shopper sees them go)."""
    query = (
        sa.select(Product)
        .join(WishlistItem, WishlistItem.product_id == Product.id)
        .where(WishlistItem.user_id == user_id)
        .order_by(WishlistItem.created_at.desc(), WishlistItem.id.desc())
    )
    return list(db.session.scalars(query))


COPY_TTL = 24 * 3600


def copy_key(user_id: int) -> str:
    """The Redis copy's key of the shopper's saved ids (shop.infra.redis_copies)."""
    return _copy_key(user_id)


def _copy_key(user_id: int) -> str:
    return f"wishlist:{user_id}"


def product_ids(user_id: int) -> set[int]:
    """Ids of the saved products (for hearts on product cards): the Redis copy, else the table."""
    key = _copy_key(user_id)
    copy = redis_copies.read(key)
    if copy is not None and copy.value is not None:
        return set(json.loads(copy.value))
    ids = set(db.session.scalars(sa.select(WishlistItem.product_id).where(WishlistItem.user_id == user_id)))
    redis_copies.store(key, json.dumps(sorted(ids)), seen=copy, ttl=COPY_TTL)
    return ids


def forget_copy(user_id: int) -> None:
    """After a commit that changed the user's wishlist (here, or an account's removal)."""
    redis_copies.forget(_copy_key(user_id))


def count(user_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(WishlistItem).where(WishlistItem.user_id == user_id)
    ).scalar_one()


def add(user_id: int, product_id: int) -> bool:
    """Save a product; True when it was new. Saving twice is harmless (even concurrently)."""
    exists = db.session.scalar(
        sa.select(Product.id).where(Product.id == product_id, Product.status == ProductStatus.ACTIVE)
    )
    if exists is None:
        raise NotFound()
    try:
        with db.session.begin_nested():
            db.session.add(WishlistItem(user_id=user_id, product_id=product_id))
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False
    forget_copy(user_id)
    return True


def remove(user_id: int, product_id: int) -> bool:
    """Forget a saved product; True when it was there."""
    removed = rows_changed(
        sa.delete(WishlistItem).where(WishlistItem.user_id == user_id, WishlistItem.product_id == product_id)
    )
    db.session.commit()
    if removed:
        forget_copy(user_id)
    return bool(removed)


def toggle(user_id: int, product_id: int) -> bool:
    """Save or forget; returns whether the product is saved afterwards."""
    if remove(user_id, product_id):
        return False
    add(user_id, product_id)
    return True


def clear(user_id: int) -> int:
    """Empty the wishlist; returns how many products it held."""
    removed = rows_changed(sa.delete(WishlistItem).where(WishlistItem.user_id == user_id))
    db.session.commit()
    forget_copy(user_id)
    return removed
