"""product_facets (migration 0010, PostgreSQL): a narrow copy of what listings filter and sort
on, one row per public product, with GIN indexes on its categories and skin concerns.

Listings on PostgreSQL select from it; SQLite selects from products. Its columns have the
products columns' names, so one set of conditions (shop.catalog.services) reads either.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from shop.catalog.models import LISTING_INCLUDE, Product

# What listings filter and sort on (the products columns of idx_products_listing), less is_featured.
COPIED = ("id", "created_at", *(name for name in LISTING_INCLUDE if name != "is_featured"))

product_facets = sa.table(
    "product_facets",
    *(sa.column(name, Product.__table__.c[name].type) for name in COPIED),
    sa.column("category_ids", postgresql.ARRAY(sa.Integer)),
)


def in_categories(category_ids: list[int], column: sa.ColumnElement | None = None) -> sa.ColumnElement[bool]:
    """Linked to any of these categories (GIN index), `column` product_facets.category_ids or a
    subquery's copy of it."""
    column = product_facets.c.category_ids if column is None else column
    return column.op("&&")(sa.literal(category_ids, type_=postgresql.ARRAY(sa.Integer)))


# The predicate of the walk indexes (migration 0018: each sort's index carrying every filter
# column), true of every row. A query that states it may walk one in its order and check the
# filters on the entries (an index-only scan that stops when the page is full); one that does not
# will never be planned on them (counting a small category stays on the GIN index).
COVERED_WALK = product_facets.c.id > 0
