"""Migration 0013 on an old database: addresses get their province from their city, on
PostgreSQL and on SQLite; the default delivery zones are seeded."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from shop.extensions import db as shop_db

OLD_ADDRESSES = [
    # (city, state) as people typed them before there was a province list -> the province found
    ("Phnom Penh", None, "KH-12"),
    ("phnom penh", None, "KH-12"),
    ("PP", None, "KH-12"),
    ("ភ្នំពេញ", None, "KH-12"),
    ("Siem Reap", "Siem Reap", "KH-17"),
    ("Sihanoukville", None, "KH-18"),
    ("kratie", None, "KH-10"),
    ("Sangkat Svay Dangkum", "Siem Reap Province", "KH-17"),  # the city names none, the state does
    ("Bangkok", None, None),  # nothing matches: the city text stays, no province
]


def _old_database_upgraded(url: str) -> tuple[list, list]:
    upgrade(revision="0011")
    with shop_db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (id, email, password) VALUES (1, 'old@example.com', 'x')"))
        for number, (city, state, _expected) in enumerate(OLD_ADDRESSES, start=1):
            conn.execute(
                sa.text(
                    "INSERT INTO user_addresses (id, user_id, address_line1, city, state, postal_code, country) "
                    "VALUES (:id, 1, 'No. 1, Street 2', :city, :state, '12000', 'Cambodia')"
                ),
                {"id": number, "city": city, "state": state},
            )
    upgrade()
    with shop_db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT city, province, postal_code FROM user_addresses ORDER BY id")).all()
        methods = conn.execute(
            sa.text(
                "SELECT z.name_en, m.code, m.rate FROM delivery_methods m JOIN delivery_zones z ON z.id = m.zone_id "
                "ORDER BY z.position, m.position"
            )
        ).all()
        provinces = conn.execute(
            sa.text("SELECT zone_id, count(*) FROM delivery_zone_provinces GROUP BY zone_id ORDER BY zone_id")
        ).all()
    return rows, [(*m[:2], f"{Decimal(str(m[2])):.2f}") for m in methods] + [tuple(p) for p in provinces]


EXPECTED_ZONES = [
    ("Phnom Penh", "standard", "1.50"),
    ("Phnom Penh", "express", "3.50"),
    ("Provinces", "standard", "3.00"),
    (1, 1),
    (2, 24),
]


def _check(rows, zones) -> None:
    assert [(city, province) for city, province, _postal in rows] == [(c, p) for c, _s, p in OLD_ADDRESSES]
    assert {postal for *_rest, postal in rows} == {"12000"}  # kept
    assert zones == EXPECTED_ZONES


def test_old_addresses_get_their_province_on_sqlite(make_app, tmp_path):
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with application.app_context():
        rows, zones = _old_database_upgraded(str(shop_db.engine.url))
        _check(rows, zones)
        # and back: the migration can be undone (0012 of the payments may sit in between later)
        downgrade(revision="0011")
        columns = {c["name"] for c in sa.inspect(shop_db.engine).get_columns("user_addresses")}
        assert "province" not in columns and "postal_code" in columns


def test_old_addresses_get_their_province_on_postgresql(on_new_postgresql):
    with on_new_postgresql("migration_0013") as url:
        rows, zones = _old_database_upgraded(url)
        _check(rows, zones)
        # a new zone gets an id after the seeded ones (the sequence was moved on)
        with shop_db.engine.begin() as conn:
            new_id = conn.execute(sa.text("INSERT INTO delivery_zones (name_en) VALUES ('Islands') RETURNING id"))
            assert new_id.scalar_one() == 3


def test_the_frozen_province_list_of_the_migration_matches_the_app():
    """The migration keeps its own copy of the names (migrations must not change with the app)."""
    import importlib.util
    from pathlib import Path

    from shop.accounts.provinces import PROVINCES

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0013_cambodian_addresses.py"
    spec = importlib.util.spec_from_file_location("migration_0013", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert {code: names[:2] for code, names in module.PROVINCE_NAMES.items()} == {
        p.code: (p.name_en, p.name_kh) for p in PROVINCES
    }
