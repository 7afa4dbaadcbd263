"""product_facets (migration 0010, PostgreSQL): a narrow copy of what listings filter and sort
on, one row per public product, with GIN indexes on its categories and skin concerns.

Listings on PostgreSQL select from it; SQLite selects from products. Its columns have the
products columns' names, so one set of conditions (shop.catalog.services) reads either.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from shop.catalog.models import Product

COPIED = (
    "id",
    "created_at",
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "allow_backorders",
    "skin_type",
    "skin_concerns",
    "rating_avg",
    "rating_count",
    "units_sold",
)

product_facets = sa.table(
    "product_facets",
    *(sa.column(name, Product.__table__.c[name].type) for name in COPIED),
    sa.column("category_ids", postgresql.ARRAY(sa.Integer)),
)


def in_categories(category_ids: list[int]) -> sa.ColumnElement[bool]:
    """Linked to any of these categories (GIN index)."""
    return product_facets.c.category_ids.op("&&")(sa.literal(category_ids, type_=postgresql.ARRAY(sa.Integer)))
