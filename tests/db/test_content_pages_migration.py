"""Migration 0015 on an existing database, on PostgreSQL and SQLite: `content_pages` is made and
`products.usage_instructions_kh` added in place, so a product's search (SQLite's FTS5 triggers,
PostgreSQL's stale-document queue) keeps working; and back."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from shop.extensions import db as shop_db


def _upgrade_a_shop_with_a_product() -> None:
    upgrade(revision="0014")
    with shop_db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO categories (id, name, slug) VALUES (1, 'Serums', 'serums')"))
        conn.execute(
            sa.text(
                "INSERT INTO products (id, sku, slug, name_en, price, category, usage_instructions) "
                "VALUES (1, 'S-1', 'glow-serum', 'Glow Serum', 10, 'serums', 'Two drops at night.')"
            )
        )
    upgrade()


def _check_upgraded() -> None:
    inspector = sa.inspect(shop_db.engine)
    columns = {c["name"]: c for c in inspector.get_columns("products")}
    assert columns["usage_instructions_kh"]["nullable"] is True
    pages = {c["name"] for c in inspector.get_columns("content_pages")}
    assert pages == {
        "id",
        "slug",
        "title_en",
        "title_km",
        "body_en",
        "body_km",
        "created_at",
        "updated_at",
        "updated_by_id",
    }
    with shop_db.engine.begin() as conn:
        row = conn.execute(sa.text("SELECT usage_instructions, usage_instructions_kh FROM products")).one()
        assert tuple(row) == ("Two drops at night.", None)
        conn.execute(sa.text("UPDATE products SET usage_instructions_kh = 'ពីរដំណក់' WHERE id = 1"))
        conn.execute(sa.text("INSERT INTO content_pages (slug, title_en) VALUES ('delivery', 'Delivery')"))
        assert conn.execute(sa.text("SELECT body_en FROM content_pages")).scalar_one() == ""
        try:
            conn.execute(sa.text("INSERT INTO content_pages (slug, title_en) VALUES ('delivery', 'Again')"))
        except sa.exc.IntegrityError:
            pass
        else:
            raise AssertionError("a second page with the same slug was accepted")


def _check_downgraded(name: str = "Glow Serum") -> None:
    downgrade(revision="0014")
    inspector = sa.inspect(shop_db.engine)
    assert "content_pages" not in inspector.get_table_names()
    assert "usage_instructions_kh" not in {c["name"] for c in inspector.get_columns("products")}
    with shop_db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name_en FROM products")).scalar_one() == name


def test_migration_0015_on_sqlite_keeps_the_search_triggers(make_app, tmp_path):
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with application.app_context():
        _upgrade_a_shop_with_a_product()
        _check_upgraded()
        with shop_db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE products SET name_en = 'Hyaluronic Glow' WHERE id = 1"))
            found = conn.execute(sa.text("SELECT rowid FROM products_fts WHERE products_fts MATCH '\"hyaluronic\"'"))
            assert found.scalars().all() == [1]
        _check_downgraded("Hyaluronic Glow")


def test_migration_0015_on_postgresql(on_new_postgresql):
    with on_new_postgresql("migration_0015"):
        _upgrade_a_shop_with_a_product()
        _check_upgraded()
        _check_downgraded()
