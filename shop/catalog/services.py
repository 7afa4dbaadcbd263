"""Catalog queries used by every door. Only `active` products are public."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.catalog.models import Category, Product, ProductStatus, product_categories
from shop.extensions import db
from shop.orders.models import Order, OrderItem, OrderStatus

PUBLIC = Product.status == ProductStatus.ACTIVE


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def featured_products(limit: int = 8) -> list[Product]:
    """Active featured products, newest first."""
    query = sa.select(Product).where(PUBLIC, Product.is_featured).order_by(Product.created_at.desc(), Product.id)
    return list(db.session.scalars(query.limit(limit)))


def new_arrivals(limit: int = 8) -> list[Product]:
    """The most recently published active products."""
    query = sa.select(Product).where(PUBLIC).order_by(Product.created_at.desc(), Product.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def best_sellers(limit: int = 8) -> list[Product]:
    """Active products by units sold in orders that were not cancelled or refunded."""
    sold = (
        sa.select(OrderItem.product_id, sa.func.sum(OrderItem.quantity).label("units"))
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.status.not_in([OrderStatus.CANCELLED, OrderStatus.REFUNDED]))
        .group_by(OrderItem.product_id)
        .subquery()
    )
    query = (
        sa.select(Product)
        .join(sold, sold.c.product_id == Product.id)
        .where(PUBLIC)
        .order_by(sold.c.units.desc(), Product.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def top_categories() -> list[Category]:
    """Active root categories with their active children loaded, in display order."""
    query = (
        sa.select(Category)
        .where(Category.is_active, Category.parent_id.is_(None))
        .options(selectinload(Category.children))
        .order_by(Category.sort_order, Category.name)
    )
    return list(db.session.scalars(query))


def get_category(slug: str) -> Category | None:
    """An active category by slug."""
    return db.session.scalar(sa.select(Category).where(Category.slug == slug, Category.is_active))


def get_public_product(slug: str) -> Product | None:
    """An active product by slug, with its images and categories loaded."""
    query = (
        sa.select(Product)
        .where(Product.slug == slug, PUBLIC)
        .options(selectinload(Product.images), selectinload(Product.categories))
    )
    return db.session.scalar(query)


def list_public_products(*, category: Category | None = None, page: int = 1, per_page: int = 24) -> Page:
    """Active products, newest first, optionally within a category and its children."""
    query = sa.select(Product).where(PUBLIC)
    if category is not None:
        ids = [category.id, *(child.id for child in category.children)]
        in_category = sa.select(product_categories.c.product_id).where(product_categories.c.category_id.in_(ids))
        query = query.where(Product.id.in_(in_category))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    items = db.session.scalars(
        query.order_by(Product.created_at.desc(), Product.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return Page(list(items), page, per_page, total)
