"""Migration 0019 on a database with orders, on PostgreSQL and on SQLite: the items sold before
it get the Khmer names their product and variant have (none when there is none, or the product
is gone), and downgrading gives the table back with its rows."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from shop.extensions import db as shop_db

ITEM = sa.text(
    "INSERT INTO order_items (id, order_id, product_id, product_name, product_sku, quantity, unit_price, "
    "total_price, variant_id, variant_name) VALUES (:id, 1, :product, :name, 'SKU', 1, 9.00, 9.00, :variant, :size)"
)


def _columns() -> set[str]:
    return {column["name"] for column in sa.inspect(shop_db.engine).get_columns("order_items")}


def _migrate_and_back() -> None:
    upgrade(revision="0018")
    with shop_db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (id, email, password) VALUES (1, 'old@example.com', 'x')"))
        products = sa.text(
            "INSERT INTO products (id, name_en, name_kh, slug, sku, price, stock, category) "
            "VALUES (:id, :en, :kh, :slug, :sku, 9.00, 5, 'serums')"
        )
        conn.execute(products, {"id": 1, "en": "Glow Serum", "kh": "សេរ៉ូមភ្លឺ", "slug": "glow", "sku": "G-1"})
        conn.execute(products, {"id": 2, "en": "Plain Toner", "kh": None, "slug": "toner", "sku": "T-1"})
        conn.execute(
            sa.text(
                "INSERT INTO product_variants (id, product_id, sku, price, stock, option_name, option_value_en, "
                "option_value_kh, is_default, position) VALUES (10, 1, 'G-50', 12.00, 3, 'size', '50 ml', "
                "'៥០ មីលីលីត្រ', false, 1)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO orders (id, order_number, user_id, customer_email, subtotal, tax_amount, "
                "shipping_amount, discount_amount, total) "
                "VALUES (1, 'SK-1', 1, 'old@example.com', 27.00, 0, 0, 0, 27.00)"
            )
        )
        conn.execute(ITEM, {"id": 1, "product": 1, "name": "Glow Serum", "variant": 10, "size": "50 ml"})
        conn.execute(ITEM, {"id": 2, "product": 2, "name": "Plain Toner", "variant": None, "size": None})
        conn.execute(ITEM, {"id": 3, "product": None, "name": "Gone Cream", "variant": None, "size": None})
    upgrade()
    assert {"product_name_kh", "variant_name_kh"} <= _columns()
    with shop_db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, product_name, product_name_kh, variant_name, variant_name_kh FROM order_items ORDER BY id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        (1, "Glow Serum", "សេរ៉ូមភ្លឺ", "50 ml", "៥០ មីលីលីត្រ"),
        (2, "Plain Toner", None, None, None),
        (3, "Gone Cream", None, None, None),
    ]
    downgrade(revision="0018")
    assert not {"product_name_kh", "variant_name_kh"} & _columns()
    with shop_db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, product_name FROM order_items ORDER BY id")).all() == [
            (1, "Glow Serum"),
            (2, "Plain Toner"),
            (3, "Gone Cream"),
        ]
    upgrade()


def test_the_khmer_item_names_come_and_go_on_sqlite(make_app, tmp_path):
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with application.app_context():
        _migrate_and_back()


def test_the_khmer_item_names_come_and_go_on_postgresql(on_new_postgresql):
    with on_new_postgresql("migration_0019"):
        _migrate_and_back()
