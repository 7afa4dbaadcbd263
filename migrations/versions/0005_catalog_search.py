"""Catalog listings and search, fast at 100k products, in English and Khmer.

Denormalised counters, kept by shop.catalog.services.refresh_product_stats (backfilled here):

- products.rating_avg / rating_count: the approved reviews' average and count.
- products.units_sold: units in orders that were not cancelled or refunded.
  Listings sort by rating and best selling; computing those per request from reviews and
  order_items joins and sorts every product.

Indexes of public products (both databases, in the models):

- idx_products_listing (created_at, id): on PostgreSQL it INCLUDEs every column listings filter
  and sort on, so a filtered page and its count are index-only scans (~25 MB at 100k) instead of
  scans of the products heap (count with a price and skin type filter: 85 ms -> ~15 ms).
- idx_products_price, idx_products_rating, idx_products_units_sold: an unfiltered page in those
  orders reads 24 index entries.

Search on PostgreSQL (tables the models do not describe; shop.catalog.search.include_name keeps
them out of the model/database comparison):

- pg_trgm, for the typo vocabulary below.
- product_search(product_id, active, rank_vector, document), one row per product, in a table
  of its own so that the frequent writes to products (stock at every order, the counters) never
  touch its large GIN index, and the search reads a narrow heap. The triggers on products keep
  `active` in step with products.status at once and put the product in product_search_queue
  when a searched text column changes (comparing OLD and NEW); shop.catalog.search.
  reindex_products builds the queued documents in Python, where the query is parsed too, so
  both sides cut words the same way:
  - document: English words (names, brand, category, skin concerns, ingredients, descriptions),
    lowercase, no stemmer ('simple': product, brand and INCI names are not English prose), and
    Khmer as cluster bigrams. Khmer is written without spaces between words, so the
    parser sees a sentence as one word; bigrams of clusters (a consonant with its subscripts and
    signs) make any part of a word findable from the GIN index alone. Measured alternatives at
    100k: pg_trgm's LIKE index rechecks every candidate's Khmer description (350 ms for
    "សេរ៉ូម"); pg_trgm trigrams computed by a trigger (show_trgm) cost 1.4 ms per inserted
    product (seeding 100k took 140 s longer) and 4 KB per document.
  - rank_vector: names (weight A: English words and Khmer bigrams), brand, category and
    concerns (weight B); small, so ts_rank over thousands of matches stays cheap.
  The GIN index is partial (active products), so a count of matches needs no heap.
- search_words(word) with a pg_trgm GIN index: the English vocabulary of the documents. A query
  word that is neither a known word nor the start of one is matched to its nearest known words
  (similarity >= 0.45): "hyaluronik" -> "hyaluronic". Filled by reindex_products; words are
  never removed (a stale word suggests a spelling that matches nothing).
Existing products are queued here; `flask seed`, `flask reindex-catalog` or the searches
themselves (each first indexes up to 500 queued products) build their documents.

Search on SQLite: products_fts, an FTS5 table with the trigram tokenizer over the same text
(external content: products), and products_words (FTS5, unicode61) whose fts5vocab view
products_words_vocab is the typo vocabulary; triggers keep both in sync. NOTE: SQLite drops a
table's triggers with the table, and alembic's batch mode recreates tables: a later migration
that batch-alters `products` on SQLite must run `create_sqlite_search()` of this file again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LISTING_INCLUDE = [
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "allow_backorders",
    "skin_type",
    "skin_concerns",
    "is_featured",
    "rating_avg",
    "rating_count",
    "units_sold",
]
# Public products in the other listing orders (an unfiltered sorted page walks one of them).
SORT_INDEXES = {
    "idx_products_price": ["price", "id"],
    "idx_products_rating": ["rating_avg", "rating_count", "id"],
    "idx_products_units_sold": ["units_sold", "id"],
}
# The products columns the search reads. Keep in step with shop.catalog.search.
SEARCHED_COLUMNS = [
    "name_en",
    "name_kh",
    "brand",
    "category",
    "skin_concerns",
    "ingredients",
    "short_description",
    "description_en",
    "description_kh",
]
WORDS_COLUMNS = ["name_en", "brand", "category", "skin_concerns", "ingredients", "short_description", "description_en"]

# Approved reviews and units sold, for every product (portable SQL).
BACKFILL_STATS = """
UPDATE products SET
  rating_avg = COALESCE((SELECT ROUND(AVG(r.rating), 2) FROM reviews r
                         WHERE r.product_id = products.id AND r.status = 'approved'), 0),
  rating_count = (SELECT COUNT(*) FROM reviews r WHERE r.product_id = products.id AND r.status = 'approved'),
  units_sold = COALESCE((SELECT SUM(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
                         WHERE i.product_id = products.id AND o.status NOT IN ('cancelled', 'refunded')), 0)
"""

POSTGRESQL_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    CREATE TABLE product_search (
      product_id integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
      active boolean NOT NULL,
      rank_vector tsvector NOT NULL,
      document tsvector NOT NULL
    )
    """,
    "CREATE INDEX idx_product_search_document ON product_search USING gin (document) WHERE active",
    # Products whose document is missing or stale: written by the triggers, emptied by
    # reindex_products (a table of its own: building a document is one write, not two).
    """
    CREATE TABLE product_search_queue (
      product_id integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE
    )
    """,
    "CREATE TABLE search_words (word text PRIMARY KEY)",
    "CREATE INDEX idx_search_words_trgm ON search_words USING gin (word gin_trgm_ops)",
    # `active` follows products.status at once; a change to the searched text queues the product.
    f"""
    CREATE FUNCTION shop_sync_product_search() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
      IF TG_OP = 'INSERT'
         OR ({", ".join("OLD." + c for c in SEARCHED_COLUMNS)})
            IS DISTINCT FROM ({", ".join("NEW." + c for c in SEARCHED_COLUMNS)}) THEN
        INSERT INTO product_search_queue (product_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
      END IF;
      IF TG_OP = 'UPDATE' AND OLD.status IS DISTINCT FROM NEW.status THEN
        UPDATE product_search SET active = NEW.status = 'active' WHERE product_id = NEW.id;
        IF NOT FOUND THEN  -- not indexed yet (or being indexed right now): index it (again)
          INSERT INTO product_search_queue (product_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
        END IF;
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER products_search_insert AFTER INSERT ON products "
    "FOR EACH ROW EXECUTE FUNCTION shop_sync_product_search()",
    # Only the text columns and the status: stock and counter updates never get here.
    f"CREATE TRIGGER products_search_update AFTER UPDATE OF status, {', '.join(SEARCHED_COLUMNS)} ON products "
    "FOR EACH ROW EXECUTE FUNCTION shop_sync_product_search()",
    # The products that exist already are indexed by `flask seed`, `flask reindex-catalog` or the
    # searches themselves.
    "INSERT INTO product_search_queue (product_id) SELECT id FROM products",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS products_search_update ON products",
    "DROP TRIGGER IF EXISTS products_search_insert ON products",
    "DROP FUNCTION IF EXISTS shop_sync_product_search()",
    "DROP TABLE IF EXISTS search_words",
    "DROP TABLE IF EXISTS product_search_queue",
    "DROP TABLE IF EXISTS product_search",
    # pg_trgm stays: other objects (or people) may use it.
]


def _fts_values(prefix: str, columns: list[str]) -> str:
    return ", ".join(f"{prefix}.{c}" for c in columns)


def sqlite_search_ddl() -> list[str]:
    """The FTS5 tables and the triggers that keep them in sync with products."""
    fts_cols = ", ".join(SEARCHED_COLUMNS)
    words_cols = ", ".join(WORDS_COLUMNS)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5({fts_cols}, "
        "content='products', content_rowid='id', tokenize='trigram')",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS products_words USING fts5({words_cols}, "
        "content='products', content_rowid='id', tokenize='unicode61')",
        "CREATE VIRTUAL TABLE IF NOT EXISTS products_words_vocab USING fts5vocab(products_words, 'row')",
        "DROP TRIGGER IF EXISTS products_search_ai",
        "DROP TRIGGER IF EXISTS products_search_ad",
        "DROP TRIGGER IF EXISTS products_search_au",
        f"""
        CREATE TRIGGER products_search_ai AFTER INSERT ON products BEGIN
          INSERT INTO products_fts (rowid, {fts_cols}) VALUES (new.id, {_fts_values("new", SEARCHED_COLUMNS)});
          INSERT INTO products_words (rowid, {words_cols}) VALUES (new.id, {_fts_values("new", WORDS_COLUMNS)});
        END
        """,
        f"""
        CREATE TRIGGER products_search_ad AFTER DELETE ON products BEGIN
          INSERT INTO products_fts (products_fts, rowid, {fts_cols})
            VALUES ('delete', old.id, {_fts_values("old", SEARCHED_COLUMNS)});
          INSERT INTO products_words (products_words, rowid, {words_cols})
            VALUES ('delete', old.id, {_fts_values("old", WORDS_COLUMNS)});
        END
        """,
        f"""
        CREATE TRIGGER products_search_au AFTER UPDATE OF {fts_cols} ON products BEGIN
          INSERT INTO products_fts (products_fts, rowid, {fts_cols})
            VALUES ('delete', old.id, {_fts_values("old", SEARCHED_COLUMNS)});
          INSERT INTO products_fts (rowid, {fts_cols}) VALUES (new.id, {_fts_values("new", SEARCHED_COLUMNS)});
          INSERT INTO products_words (products_words, rowid, {words_cols})
            VALUES ('delete', old.id, {_fts_values("old", WORDS_COLUMNS)});
          INSERT INTO products_words (rowid, {words_cols}) VALUES (new.id, {_fts_values("new", WORDS_COLUMNS)});
        END
        """,
        "INSERT INTO products_fts (products_fts) VALUES ('rebuild')",
        "INSERT INTO products_words (products_words) VALUES ('rebuild')",
    ]


SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS products_search_au",
    "DROP TRIGGER IF EXISTS products_search_ad",
    "DROP TRIGGER IF EXISTS products_search_ai",
    "DROP TABLE IF EXISTS products_words_vocab",
    "DROP TABLE IF EXISTS products_words",
    "DROP TABLE IF EXISTS products_fts",
]


def create_sqlite_search() -> None:
    for statement in sqlite_search_ddl():
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(
            sa.Column("rating_avg", sa.Numeric(precision=3, scale=2), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("rating_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("units_sold", sa.Integer(), server_default="0", nullable=False))
    op.create_index(
        "idx_products_listing",
        "products",
        ["created_at", "id"],
        postgresql_where=sa.text("status = 'active'"),
        sqlite_where=sa.text("status = 'active'"),
        postgresql_include=LISTING_INCLUDE,
    )
    for name, columns in SORT_INDEXES.items():
        op.create_index(
            name,
            "products",
            columns,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )
    op.execute(BACKFILL_STATS)
    if dialect == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)
    else:
        create_sqlite_search()


def downgrade():
    dialect = op.get_bind().dialect.name
    statements = POSTGRESQL_DOWN if dialect == "postgresql" else SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    for name in SORT_INDEXES:
        op.drop_index(name, table_name="products")
    op.drop_index("idx_products_listing", table_name="products")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("units_sold")
        batch_op.drop_column("rating_count")
        batch_op.drop_column("rating_avg")
