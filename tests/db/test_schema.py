"""The migrated PostgreSQL schema is the seed's, plus migration 0002, and matches the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shop.catalog.search import include_name

SEED_TABLES = {
    "users",
    "user_addresses",
    "categories",
    "products",
    "product_categories",
    "product_images",
    "orders",
    "order_items",
    "shopping_cart",
    "reviews",
    "coupons",
    "coupon_usage",
    "wishlists",
}
ADDED_TABLES = {
    "order_status_events",
    "audit_logs",
    "order_refunds",
    "review_helpful_votes",
    "payment_attempts",  # migration 0012
    "payment_events",
    "content_pages",  # migration 0015
    "alembic_version",
}
# Migration 0005: the PostgreSQL search index (not models; see shop.catalog.search).
SEARCH_TABLES = {"product_search", "product_search_queue", "search_words"}
LISTING_TABLES = {"product_facets"}  # migration 0010
DELIVERY_TABLES = {"delivery_zones", "delivery_zone_provinces", "delivery_methods"}  # migration 0013
VARIANT_TABLES = {"product_variants", "back_in_stock_alerts"}  # migration 0016

SEED_ENUMS = {
    "user_role": ["customer", "admin", "moderator"],
    "user_language": ["en", "kh"],
    "skin_type": ["oily", "dry", "combination", "sensitive", "normal", "all"],
    "product_status": ["draft", "active", "archived"],
    "order_status": ["pending", "confirmed", "processing", "shipped", "delivered", "cancelled", "refunded"],
    "payment_status": ["pending", "paid", "partially_paid", "refunded", "partially_refunded", "failed"],
    "fulfillment_status": ["unfulfilled", "partial", "fulfilled", "shipped", "delivered"],
    "review_status": ["pending", "approved", "rejected"],
    "coupon_type": ["percentage", "fixed", "free_shipping"],
    "coupon_status": ["active", "inactive", "expired"],
}

CHECKS = {
    # the seed's named checks
    ("users", "valid_email"),
    ("products", "positive_price"),
    ("products", "valid_compare_price"),
    ("orders", "valid_total"),
    ("coupons", "valid_coupon_value"),
    ("coupons", "valid_coupon_dates"),
    # the seed's inline checks, named
    ("users", "valid_gender"),
    ("user_addresses", "valid_address_type"),
    ("order_items", "positive_quantity"),
    ("shopping_cart", "positive_quantity"),
    ("reviews", "valid_rating"),
    # migration 0002
    ("products", "non_negative_stock"),
    ("coupons", "within_usage_limit"),
    # migration 0007
    ("order_refunds", "positive_refund"),
    ("orders", "non_negative_amounts"),
    # migration 0012
    ("payment_attempts", "valid_attempt_status"),
    ("payment_attempts", "valid_attempt_provider"),
    ("payment_attempts", "valid_attempt_currency"),
    ("payment_attempts", "positive_attempt_amount"),
    ("payment_events", "valid_payment_event_kind"),
    # migration 0013
    ("delivery_methods", "non_negative_rate"),
    ("delivery_methods", "positive_free_over"),
    # migration 0016
    ("product_variants", "variant_positive_price"),
    ("product_variants", "variant_valid_compare_price"),
    ("product_variants", "variant_non_negative_stock"),
}

SEED_INDEXES = {
    ("users", "idx_users_email", "email", None),
    ("users", "idx_users_role", "role", None),
    ("users", "idx_users_password_reset_token", "password_reset_token", "(password_reset_token IS NOT NULL)"),
    ("products", "idx_products_status", "status", "(status = 'active'::product_status)"),
    ("products", "idx_products_category", "category", None),
    ("products", "idx_products_skin_type", "skin_type", None),
    ("products", "idx_products_featured", "is_featured", "(is_featured = true)"),
    ("products", "idx_products_created_at", "created_at", None),
    ("orders", "idx_orders_user_id", "user_id", None),
    ("orders", "idx_orders_status", "status", None),
    ("orders", "idx_orders_created_at", "created_at", None),
    ("orders", "idx_orders_order_number", "order_number", None),
    ("order_items", "idx_order_items_order_id", "order_id", None),
    ("order_items", "idx_order_items_product_id", "product_id", None),
    ("reviews", "idx_reviews_product_id", "product_id", None),
    ("reviews", "idx_reviews_status", "status", "(status = 'approved'::review_status)"),
    ("reviews", "idx_reviews_user_id", "user_id", None),
    ("coupons", "idx_coupons_code", "code", None),
    ("coupons", "idx_coupons_status", "status", "(status = 'active'::coupon_status)"),
    ("coupons", "idx_coupons_dates", "start_date, end_date", None),
    ("shopping_cart", "idx_shopping_cart_user_id", "user_id", None),
    ("shopping_cart", "idx_shopping_cart_product_id", "product_id", None),
    ("wishlists", "idx_wishlists_user_id", "user_id", None),
    ("wishlists", "idx_wishlists_product_id", "product_id", None),
}

SEED_UNIQUES = {
    ("users", "email"),
    ("categories", "slug"),
    ("products", "slug"),
    ("products", "sku"),
    ("orders", "order_number"),
    ("coupons", "code"),
    # the seed's (user_id, product_id); one line per variant since migration 0016
    ("shopping_cart", "user_id,variant_id"),
    ("wishlists", "user_id,product_id"),
}


def test_every_seed_table_exists_and_nothing_unexpected(db):
    tables = set(sa.inspect(db.engine).get_table_names())
    assert tables == SEED_TABLES | ADDED_TABLES | SEARCH_TABLES | LISTING_TABLES | DELIVERY_TABLES | VARIANT_TABLES


def test_every_seed_enum_exists_with_its_values_in_order(db):
    rows = db.session.execute(
        sa.text(
            "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_type t "
            "JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname"
        )
    ).all()
    assert {name: list(labels) for name, labels in rows} == SEED_ENUMS


def test_every_check_constraint_exists(db):
    rows = db.session.execute(
        sa.text(
            "SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.contype = 'c' AND n.nspname = 'public'"
        )
    ).all()
    assert set(map(tuple, rows)) == CHECKS


def test_every_seed_index_exists_with_its_columns_and_predicate(db):
    rows = db.session.execute(
        sa.text(
            "SELECT t.relname, i.relname, "
            "  (SELECT string_agg(a.attname, ', ' ORDER BY k.ord) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord) "
            "   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum), "
            "  pg_get_expr(x.indpred, x.indrelid) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE i.relname LIKE 'idx_%'"
        )
    ).all()
    found = set(map(tuple, rows))
    assert found >= SEED_INDEXES
    added = {name for _t, name, _c, _p in found} - {name for _t, name, _c, _p in SEED_INDEXES}
    assert added == {
        "idx_product_categories_category_id",
        "idx_product_images_product_id",
        "idx_coupon_usage_coupon_id_user_id",
        "idx_coupon_usage_order_id",
        "idx_user_addresses_user_id",
        "idx_order_status_events_order_id",
        "idx_audit_logs_actor_id",
        "idx_audit_logs_created_at",
        "idx_audit_logs_entity",
        "idx_users_email_verification_token",
        # migration 0005: listings and search
        "idx_products_listing",
        "idx_products_price",
        "idx_products_rating",
        "idx_products_units_sold",
        "idx_product_search_document",
        "idx_search_words_trgm",
        # migration 0007: refunds
        "idx_order_refunds_order_id",
        # migration 0008: helpful votes
        "idx_review_helpful_votes_user_id",
        # migration 0010: listing facets
        "idx_product_facets_categories",
        "idx_product_facets_concerns",
        "idx_product_facets_newest",
        "idx_product_facets_price",
        "idx_product_facets_rating",
        "idx_product_facets_units_sold",
        "idx_product_facets_skin_type",
        # migration 0018 (replacing 0011's newest-in-categories): sort indexes carrying the filters
        "idx_product_facets_walk_newest",
        "idx_product_facets_walk_price",
        "idx_product_facets_walk_rating",
        "idx_product_facets_walk_units_sold",
        # migration 0012: payments
        "idx_payment_attempts_order_id",
        "idx_payment_attempts_due",
        "idx_payment_events_attempt_id",
        # migration 0013: guest orders by contact, delivery zones
        "idx_orders_customer_email",
        "idx_orders_customer_phone",
        "idx_delivery_zone_provinces_zone_id",
        # migration 0016: variants
        "idx_product_variants_product_id",
        "idx_order_items_variant_id",
        "idx_back_in_stock_alerts_variant_id",
    }


def test_every_seed_unique_constraint_exists(db):
    inspector = sa.inspect(db.engine)
    found = {
        (table, ",".join(u["column_names"])) for table in SEED_TABLES for u in inspector.get_unique_constraints(table)
    }
    assert found >= SEED_UNIQUES


def test_money_columns_are_numeric_12_2(db):
    columns = (
        db.session.execute(
            sa.text(
                "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND data_type = 'numeric' AND numeric_precision = 12 AND numeric_scale = 2"
            )
        )
        .scalars()
        .all()
    )
    assert {"products.price", "orders.total", "order_items.unit_price", "coupons.value", "users.total_spent"} <= set(
        columns
    )
    floats = db.session.execute(
        sa.text(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('real', 'double precision')"
        )
    ).scalar()
    assert floats == 0


# The search tables only migrations describe are left out, as migrations/env.py does.
COMPARE_OPTS = {"compare_type": True, "include_name": include_name}


def test_models_and_migrations_do_not_drift_on_postgresql(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts=COMPARE_OPTS), db.metadata)
    assert diff == []


def test_the_comparison_leaves_out_only_the_search_and_listing_tables(db):
    """Without the hook the comparison sees exactly the search and listing tables as "not in
    the models"."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert {op[1].name for op in diff if op[0] == "remove_table"} == SEARCH_TABLES | LISTING_TABLES
    assert {(op[0], op[1].table.name) for op in diff if op[0] != "remove_table"} == {
        ("remove_index", "product_search"),
        ("remove_index", "search_words"),
        ("remove_index", "product_facets"),
    }


def test_listing_index_covers_every_filter_and_sort_column(db):
    row = db.session.execute(sa.text("SELECT pg_get_indexdef('idx_products_listing'::regclass)")).scalar_one()
    assert row == (
        "CREATE INDEX idx_products_listing ON public.products USING btree (created_at, id) INCLUDE (price, "
        "compare_at_price, stock, track_inventory, allow_backorders, skin_type, skin_concerns, is_featured, "
        "rating_avg, rating_count, units_sold) WHERE (status = 'active'::product_status)"
    )


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_models_and_migrations_do_not_drift_on_sqlite(make_app, tmp_path, dialect):
    from flask_migrate import upgrade

    from shop.extensions import db as shop_db

    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'drift.db'}")
    with application.app_context():
        upgrade()
        with shop_db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts=COMPARE_OPTS), shop_db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
    assert diff == []
    assert {"products_fts", "products_words", "products_words_vocab"} <= tables


def test_the_walk_indexes_carry_every_filter_and_are_partial(db):
    """Migration 0018: each listing sort's index carries what the filters read, and only a query
    stating `id > 0` may walk it (see shop.catalog.facets.COVERED_WALK)."""
    rows = dict(
        db.session.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'product_facets' "
                "AND indexname LIKE 'idx_product_facets_walk_%'"
            )
        ).all()
    )
    filters = (
        "category_ids, skin_type, skin_concerns, price, compare_at_price, stock, track_inventory, allow_backorders"
    )
    assert rows["idx_product_facets_walk_newest"] == (
        "CREATE INDEX idx_product_facets_walk_newest ON public.product_facets USING btree "
        f"(created_at, id) INCLUDE ({filters}) WHERE (id > 0)"
    )
    assert rows["idx_product_facets_walk_price"] == (
        "CREATE INDEX idx_product_facets_walk_price ON public.product_facets USING btree (price, id) "
        "INCLUDE (category_ids, skin_type, skin_concerns, compare_at_price, stock, track_inventory, "
        "allow_backorders) WHERE (id > 0)"
    )
    assert set(rows) == {
        "idx_product_facets_walk_newest",
        "idx_product_facets_walk_price",
        "idx_product_facets_walk_rating",
        "idx_product_facets_walk_units_sold",
    }
    assert all(
        definition.endswith(f"INCLUDE ({filters}) WHERE (id > 0)")
        for name, definition in rows.items()
        if "price" not in name
    )


def test_payment_indexes_are_partial_where_they_must_be(db):
    """Migration 0012: one payment per attempt (paid twice is paid once), and the sweep's index
    holds only the attempts still looked at."""
    rows = dict(
        db.session.execute(
            sa.text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                "('uq_payment_events_one_payment', 'idx_payment_attempts_due')"
            )
        ).all()
    )
    assert rows == {
        "uq_payment_events_one_payment": "CREATE UNIQUE INDEX uq_payment_events_one_payment ON public.payment_events "
        "USING btree (attempt_id) WHERE ((kind)::text = ANY ((ARRAY['paid'::character varying, "
        "'paid_after_expiry'::character varying])::text[]))",
        "idx_payment_attempts_due": "CREATE INDEX idx_payment_attempts_due ON public.payment_attempts USING btree "
        "(next_check_at) WHERE (next_check_at IS NOT NULL)",
    }
