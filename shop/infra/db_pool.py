"""Database connections checked before use only when they have been idle.

`pool_pre_ping` pinged PostgreSQL every time a request took a connection from the pool: one
more round trip in every request (of some eight), though the connection had served the previous
request a few milliseconds earlier. A connection is now pinged when it was last given back more
than DB_PING_IDLE_SECONDS ago (default 1), or never: what pre-ping is for (a connection that
PostgreSQL or the network dropped while it sat in the pool, after a restart or a long quiet
time) still cannot reach a request, and a busy worker no longer pays for it. A server that
restarts in the middle of traffic fails the requests in flight, as it did with pre-ping, and the
first error makes SQLAlchemy replace every older connection of the pool.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

RETURNED_AT = "shop_returned_at"


def init_db_pool(app: Flask, engine: Engine) -> None:
    idle = float(app.config.get("DB_PING_IDLE_SECONDS", 1.0))
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(RETURNED_AT, float("-inf")) < idle:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool takes another connection, and replaces those older than this one.
                raise exc.InvalidatePoolError() from error
            raise

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[RETURNED_AT] = time.monotonic()

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
