"""Connections are pinged before use only after DB_PING_IDLE_SECONDS idle (shop.infra.db_pool):
a connection PostgreSQL dropped while it sat in the pool never reaches a request. Real PostgreSQL."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from shop.extensions import db


def _backend_pid() -> int:
    return db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_dropped_while_idle_is_replaced_before_use(make_app, database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, DB_PING_IDLE_SECONDS=0.2)
    with app.app_context():
        pid = _backend_pid()
        db.session.remove()  # back to the pool
        _terminate(pid)
        time.sleep(0.3)
        assert _backend_pid() != pid  # pinged, found dead, replaced: the request never sees it
        db.session.remove()
        db.engine.dispose()


def test_a_connection_given_back_just_now_is_used_without_a_ping(make_app, database_url):
    # The trade-off: a connection dropped within the idle time reaches a query, which fails as it
    # did mid-request with pre-ping; the pool then replaces its connections.
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, DB_PING_IDLE_SECONDS=60)
    with app.app_context():
        pid = _backend_pid()
        db.session.remove()
        _terminate(pid)
        with pytest.raises(sa.exc.OperationalError) as error:
            _backend_pid()
        assert error.value.connection_invalidated
        db.session.remove()
        assert _backend_pid() != pid
        db.session.remove()
        db.engine.dispose()


def _terminate(pid: int) -> None:
    """PostgreSQL drops connection `pid` (as a restart or a timeout would), from a connection of
    another engine (this one's pool would hand out that very connection)."""
    other = sa.create_engine(db.engine.url, poolclass=NullPool)
    with other.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()
    time.sleep(0.1)
