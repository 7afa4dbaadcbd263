"""product_facets: the sort indexes of listings carry every filter column, so a filtered listing
is one index-only walk in its order.

At a million products a filtered listing (a category, a skin type, a concern, a price range, in
stock, on sale: any few of them) read its matches from the table: the categories' GIN index
gives 66,000-730,000 candidates spread over every one of product_facets' 19,000 blocks (148 MB,
more than shared_buffers), and reading them took 200-400 ms, once to count and once to sort.
Walking one of these indexes in the listing's order, the filters checked on the entry, stops
when the page is full: 1-3 ms for "sun, dullness, in stock, price high to low" (5,833 entries
read for 25 matches, no heap fetch), where the bitmap took 200 ms and the count 300 ms.

Each index is partial, on a predicate true of every row (`id > 0`: ids come from a serial), as
0011's was (this one replaces it, carrying more): only a query stating the predicate
(shop.catalog.facets.COVERED_WALK) is planned on them, so counting a small category still takes
the categories' GIN index, not a walk of 950,000 entries.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# What the listing filters read (shop.catalog.services._conditions), less the sort key itself.
FILTERS = (
    "category_ids",
    "skin_type",
    "skin_concerns",
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "allow_backorders",
)
WALKS = {
    "idx_product_facets_walk_newest": ("created_at", "id"),
    "idx_product_facets_walk_price": ("price", "id"),
    "idx_product_facets_walk_rating": ("rating_avg", "rating_count", "id"),
    "idx_product_facets_walk_units_sold": ("units_sold", "id"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS idx_product_facets_newest_in_categories")
    for name, keys in WALKS.items():
        included = ", ".join(column for column in FILTERS if column not in keys)
        op.execute(f"CREATE INDEX {name} ON product_facets ({', '.join(keys)}) INCLUDE ({included}) WHERE id > 0")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in WALKS:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(
        "CREATE INDEX idx_product_facets_newest_in_categories ON product_facets (created_at, id) "
        "INCLUDE (category_ids) WHERE id > 0"
    )
