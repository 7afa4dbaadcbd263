"""Migration 0016 on an old database, on PostgreSQL and on SQLite: every product becomes one
default variant with its SKU, price and stock; carts and order items point at it; the seed's
columns and checks still hold; and it can be undone."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from shop.extensions import db as shop_db

OLD_PRODUCTS = [
    # id, sku, price, compare_at, stock, track, backorders
    (1, "SER-30", "18.00", "24.00", 7, True, False),
    (2, "TON-200", "12.50", None, 0, True, True),
    (3, "MASK-1", "3.25", None, 0, False, False),
]


def _old_database_upgraded() -> dict:
    upgrade(revision="0015")
    with shop_db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (id, email, password) VALUES (1, 'old@example.com', 'x')"))
        for pid, sku, price, compare, stock, track, backorders in OLD_PRODUCTS:
            conn.execute(
                sa.text(
                    "INSERT INTO products (id, name_en, slug, sku, price, compare_at_price, stock, track_inventory, "
                    "allow_backorders, category, barcode) VALUES (:id, :name, :slug, :sku, :price, :compare, :stock, "
                    ":track, :backorders, 'serums', :barcode)"
                ),
                {
                    "id": pid,
                    "name": f"Product {pid}",
                    "slug": f"product-{pid}",
                    "sku": sku,
                    "price": price,
                    "compare": compare,
                    "stock": stock,
                    "track": track,
                    "backorders": backorders,
                    "barcode": f"885000{pid}",
                },
            )
        conn.execute(sa.text("INSERT INTO shopping_cart (user_id, product_id, quantity) VALUES (1, 1, 2)"))
        conn.execute(
            sa.text(
                "INSERT INTO orders (id, order_number, user_id, customer_email, subtotal, tax_amount, "
                "shipping_amount, discount_amount, total) VALUES (1, 'SK-1', 1, 'old@example.com', 36.00, 0, 1.50, "
                "0, 37.50)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO order_items (order_id, product_id, product_name, product_sku, quantity, unit_price, "
                "total_price) VALUES (1, 1, 'Product 1', 'SER-30', 2, 18.00, 36.00)"
            )
        )
    upgrade()
    with shop_db.engine.connect() as conn:
        variants = conn.execute(
            sa.text(
                "SELECT product_id, sku, price, compare_at_price, stock, track_stock, allow_backorder, is_default, "
                "option_value_en, barcode FROM product_variants ORDER BY product_id"
            )
        ).all()
        products = conn.execute(sa.text("SELECT id, sku, price, stock FROM products ORDER BY id")).all()
        cart = conn.execute(sa.text("SELECT product_id, variant_id FROM shopping_cart")).all()
        items = conn.execute(sa.text("SELECT variant_id, variant_sku, variant_name FROM order_items")).all()
        ids = dict(conn.execute(sa.text("SELECT product_id, id FROM product_variants")).all())
    return {"variants": variants, "products": products, "cart": cart, "items": items, "ids": ids}


def _check(found: dict) -> None:
    assert [
        (pid, sku, f"{Decimal(str(price)):.2f}", None if c is None else f"{Decimal(str(c)):.2f}", stock, bool(t),
         bool(b), bool(default), value, barcode)
        for pid, sku, price, c, stock, t, b, default, value, barcode in found["variants"]
    ] == [
        (pid, sku, price, compare, stock, track, backorders, True, None, f"885000{pid}")
        for pid, sku, price, compare, stock, track, backorders in OLD_PRODUCTS
    ]  # fmt: skip
    # the seed's columns are unchanged
    assert [(pid, sku, f"{Decimal(str(price)):.2f}", stock) for pid, sku, price, stock in found["products"]] == [
        (pid, sku, price, stock) for pid, sku, price, _c, stock, _t, _b in OLD_PRODUCTS
    ]
    assert found["cart"] == [(1, found["ids"][1])]
    assert found["items"] == [(found["ids"][1], "SER-30", None)]


def _a_second_size_is_refused_twice_and_accepted_once(conn: sa.Connection) -> None:
    """The new constraints hold: one default per product, unique SKUs and option values."""
    insert = sa.text(
        "INSERT INTO product_variants (product_id, sku, price, stock, option_value_en, is_default) "
        "VALUES (1, :sku, 30.00, 3, :value, :default)"
    )
    conn.execute(insert, {"sku": "SER-50", "value": "50 ml", "default": False})
    for values in ({"sku": "SER-50", "value": "10 ml", "default": False}, {"sku": "X", "value": "x", "default": True}):
        nested = conn.begin_nested()
        try:
            conn.execute(insert, values)
            raise AssertionError("the database accepted a duplicate")
        except sa.exc.IntegrityError:
            nested.rollback()


def test_every_product_becomes_one_default_variant_on_sqlite(make_app, tmp_path):
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with application.app_context():
        _check(_old_database_upgraded())
        with shop_db.engine.begin() as conn:
            _a_second_size_is_refused_twice_and_accepted_once(conn)
            conn.execute(sa.text("INSERT INTO shopping_cart (user_id, product_id, quantity) VALUES (1, 1, 1)"))
            conn.execute(sa.text("UPDATE shopping_cart SET variant_id = (SELECT max(id) FROM product_variants) "
                                 "WHERE variant_id IS NULL"))  # fmt: skip
        downgrade(revision="0015")
        inspector = sa.inspect(shop_db.engine)
        assert "product_variants" not in inspector.get_table_names()
        assert "variant_id" not in {c["name"] for c in inspector.get_columns("order_items")}
        with shop_db.engine.connect() as conn:  # two sizes in one cart became the seed's one line
            assert conn.execute(sa.text("SELECT product_id, quantity FROM shopping_cart")).all() == [(1, 2)]


def test_every_product_becomes_one_default_variant_on_postgresql(on_new_postgresql):
    with on_new_postgresql("migration_0016"):
        _check(_old_database_upgraded())
        with shop_db.engine.begin() as conn:
            _a_second_size_is_refused_twice_and_accepted_once(conn)
            # the seed's check on the order total still holds
            total_ok = conn.execute(
                sa.text("SELECT total = subtotal + tax_amount + shipping_amount - discount_amount FROM orders")
            ).scalar_one()
            assert total_ok is True
        downgrade(revision="0015")
        assert "product_variants" not in sa.inspect(shop_db.engine).get_table_names()
