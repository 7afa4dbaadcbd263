"""Migration 0017 on a database with payments, on PostgreSQL and on SQLite: the attempts made
before it have no deeplink, a new one can be stored, and downgrading gives the table back as
it was, its rows and its checks."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from shop.extensions import db as shop_db

LINK = "https://bakong.page.link/yhDhTSdPWschTBdb8"
ATTEMPT = sa.text(
    "INSERT INTO payment_attempts (id, order_id, provider, currency, amount, qr_string, md5, status) "
    "VALUES (:id, 1, 'khqr', 'USD', 23.50, :qr, :md5, :status)"
)


def _columns() -> set[str]:
    return {column["name"] for column in sa.inspect(shop_db.engine).get_columns("payment_attempts")}


def _refused(conn: sa.Connection, statement: sa.TextClause, values: dict) -> bool:
    nested = conn.begin_nested()
    try:
        conn.execute(statement, values)
    except sa.exc.IntegrityError:
        nested.rollback()
        return True
    nested.rollback()
    return False


def _migrate_and_back() -> None:
    upgrade(revision="0016")
    with shop_db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (id, email, password) VALUES (1, 'old@example.com', 'x')"))
        conn.execute(
            sa.text(
                "INSERT INTO orders (id, order_number, user_id, customer_email, subtotal, tax_amount, "
                "shipping_amount, discount_amount, total, payment_method) VALUES (1, 'SK-1', 1, 'old@example.com', "
                "20.00, 2.00, 1.50, 0, 23.50, 'khqr')"
            )
        )
        conn.execute(ATTEMPT, {"id": 1, "qr": "000201010212", "md5": "a" * 32, "status": "open"})
    upgrade()
    assert "deeplink_url" in _columns()
    with shop_db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT deeplink_url FROM payment_attempts")).scalar_one() is None
        conn.execute(sa.text("UPDATE payment_attempts SET deeplink_url = :link WHERE id = 1"), {"link": LINK})
        conn.execute(ATTEMPT, {"id": 2, "qr": "000201010212x", "md5": "b" * 32, "status": "expired"})
    with shop_db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, deeplink_url FROM payment_attempts ORDER BY id")).all() == [
            (1, LINK),
            (2, None),
        ]

    downgrade(revision="0016")
    assert "deeplink_url" not in _columns()
    with shop_db.engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT id, md5, status FROM payment_attempts ORDER BY id")).all()
        assert rows == [(1, "a" * 32, "open"), (2, "b" * 32, "expired")]
        # the table's checks survived the way back (SQLite rebuilds the table to drop a column)
        assert _refused(conn, ATTEMPT, {"id": 3, "qr": "q", "md5": "c" * 32, "status": "lost"})
        assert _refused(conn, ATTEMPT, {"id": 3, "qr": "q", "md5": "a" * 32, "status": "open"})
    upgrade()
    assert "deeplink_url" in _columns()


def test_the_deeplink_column_comes_and_goes_on_sqlite(make_app, tmp_path):
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with application.app_context():
        _migrate_and_back()


def test_the_deeplink_column_comes_and_goes_on_postgresql(on_new_postgresql):
    with on_new_postgresql("migration_0017"):
        _migrate_and_back()
