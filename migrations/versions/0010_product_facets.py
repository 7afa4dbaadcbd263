"""product_facets: a narrow copy of what listings filter and sort on, for public products.

PostgreSQL only (SQLite lists from products; the embedded mode is not for 100k products).

A filtered listing used to scan idx_products_listing (95k entries, 45 ms for one skin concern)
or fetch thousands of wide product rows from the heap (a category: 6,000 blocks, 44 ms). Here
each public product is one row of about 120 bytes (12 MB at 100k), with its categories as an
array, and GIN indexes on the categories and the skin concerns: PostgreSQL combines the filters'
bitmaps (BitmapAnd) and reads only the matches from a dense heap. Measured at 100k: category
and concern 53 ms -> 2 ms; a category with a skin type and in stock, counted and sorted,
~70 ms -> 10 ms.

- product_facets(id, created_at, price, compare_at_price, stock, track_inventory,
  allow_backorders, skin_type, skin_concerns, category_ids, rating_avg, rating_count,
  units_sold): `id` is the product's id (the same name, so one set of listing conditions reads
  either table); category_ids are the product's own categories (product_categories), so moving a
  category in the tree changes nothing here (a listing asks for the whole subtree).
- Kept in step by statement-level triggers with transition tables (a bulk insert or update
  costs one extra statement, not one per row; the seed's 100k products are copied in a few
  seconds): on products (insert or update: upsert the
  public ones, delete the others; deleting a product cascades), and on product_categories
  (recompute category_ids of the products concerned).

The table is not in the models (shop.catalog.search.DATABASE_ONLY_TABLES); shop.catalog.facets
describes it for queries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COPIED = (
    "created_at, price, compare_at_price, stock, track_inventory, allow_backorders, skin_type, "
    "skin_concerns, rating_avg, rating_count, units_sold"
)
CATEGORY_IDS = (
    "COALESCE((SELECT array_agg(pc.category_id ORDER BY pc.category_id) FROM product_categories pc "
    "WHERE pc.product_id = {product}), '{{}}')"
)


def _upsert_from(rows: str) -> str:
    copied = ", ".join(f"{rows}.{column.strip()}" for column in COPIED.split(","))
    updates = ", ".join(f"{column.strip()} = EXCLUDED.{column.strip()}" for column in COPIED.split(","))
    return (
        f"INSERT INTO product_facets (id, {COPIED}, category_ids) "
        f"SELECT {rows}.id, {copied}, {CATEGORY_IDS.format(product=rows + '.id')} "
        f"FROM {rows} WHERE {rows}.status = 'active' "
        f"ON CONFLICT (id) DO UPDATE SET {updates}"
    )


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE TABLE product_facets (
            id integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
            created_at timestamp with time zone,
            price numeric(12, 2) NOT NULL,
            compare_at_price numeric(12, 2),
            stock integer NOT NULL,
            track_inventory boolean NOT NULL,
            allow_backorders boolean NOT NULL,
            skin_type skin_type NOT NULL,
            skin_concerns text[],
            category_ids integer[] NOT NULL DEFAULT '{}',
            rating_avg numeric(3, 2) NOT NULL,
            rating_count integer NOT NULL,
            units_sold integer NOT NULL
        )
        """
    )
    op.execute(_upsert_from("products"))
    for name, definition in (
        ("idx_product_facets_categories", "USING gin (category_ids)"),
        ("idx_product_facets_concerns", "USING gin (skin_concerns)"),
        ("idx_product_facets_newest", "(created_at, id)"),
        ("idx_product_facets_price", "(price, id)"),
        ("idx_product_facets_rating", "(rating_avg, rating_count, id)"),
        ("idx_product_facets_units_sold", "(units_sold, id)"),
        ("idx_product_facets_skin_type", "(skin_type)"),
    ):
        op.execute(f"CREATE INDEX {name} ON product_facets {definition}")
    # Statistics now when the backfill filled the table: until autovacuum gets to it, the planner
    # would guess (a category estimated at 5,549 rows had 69,742, and was counted and sorted the
    # slow way). Never on an empty table: statistics saying "empty" make the triggers' plans
    # quadratic while a seed fills it (30,000 products: 17 s -> 169 s).
    if op.get_bind().execute(sa.text("SELECT EXISTS (SELECT 1 FROM product_facets)")).scalar():
        op.execute("ANALYZE product_facets")
    op.execute(
        f"""
        CREATE FUNCTION shop_sync_product_facets() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM product_facets
            WHERE id = ANY (ARRAY(SELECT id FROM new_rows WHERE status <> 'active'));
            {_upsert_from("new_rows")};
            RETURN NULL;
        END $$
        """
    )
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER products_facets_{event.lower()} AFTER {event} ON products "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shop_sync_product_facets()"
        )
    # = ANY(ARRAY(...)): the ids are gathered once, then found by the primary key. A transition
    # table has no statistics, and a join with it may be planned as a nested loop over both.
    recompute = (
        "UPDATE product_facets f SET category_ids = {ids} WHERE f.id = ANY (ARRAY(SELECT product_id FROM {rows}))"
    )
    op.execute(
        f"""
        CREATE FUNCTION shop_sync_facet_categories() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                {recompute.format(ids=CATEGORY_IDS.format(product="f.id"), rows="old_rows")};
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {recompute.format(ids=CATEGORY_IDS.format(product="f.id"), rows="new_rows")};
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for event, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ):
        op.execute(
            f"CREATE TRIGGER product_categories_facets_{event.lower()} AFTER {event} ON product_categories "
            f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION shop_sync_facet_categories()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for event in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS product_categories_facets_{event} ON product_categories")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS products_facets_{event} ON products")
    op.execute("DROP FUNCTION IF EXISTS shop_sync_facet_categories()")
    op.execute("DROP FUNCTION IF EXISTS shop_sync_product_facets()")
    op.execute("DROP TABLE IF EXISTS product_facets")
