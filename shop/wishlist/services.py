"""Wishlists: a shopper's saved products."""

from __future__ import annotations

import sqlalchemy as sa

from shop.catalog.models import Product, ProductStatus
from shop.errors import NotFound
from shop.extensions import db
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


def product_ids(user_id: int) -> set[int]:
    """Ids of the saved products (for hearts on product cards)."""
    return set(db.session.scalars(sa.select(WishlistItem.product_id).where(WishlistItem.user_id == user_id)))


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
        return True
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False


def remove(user_id: int, product_id: int) -> bool:
    """Forget a saved product; True when it was there."""
    removed = rows_changed(
        sa.delete(WishlistItem).where(WishlistItem.user_id == user_id, WishlistItem.product_id == product_id)
    )
    db.session.commit()
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
    return removed
