"""The MongoDB database: pymongo when MONGO_URI is set, mongomock in embedded mode; and the
process's analytics event buffer that writes to it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from pymongo.database import Database
from pymongo.errors import PyMongoError

log = logging.getLogger("shop.analytics")
T = TypeVar("T")
# After a failed read, pages skip MongoDB for this long instead of each waiting for a timeout.
READ_PAUSE_SECONDS = 30.0
_reads_lock = threading.Lock()

# Short timeouts: analytics must never hold a page hostage (a URI may set its own).
_TIMEOUTS = {"serverSelectionTimeoutMS": 1500, "connectTimeoutMS": 1500, "socketTimeoutMS": 5000}


def init_mongo(app: Flask) -> None:
    from shop.analytics.buffer import init_buffer

    uri = app.config.get("MONGO_URI")
    if uri:
        from pymongo import MongoClient

        options: dict[str, Any] = {name: value for name, value in _TIMEOUTS.items() if name.lower() not in uri.lower()}
        client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True, **options)
    else:
        import mongomock_ng as mongomock

        client = mongomock.MongoClient(tz_aware=True)
    database = client[app.config["MONGO_DATABASE"]]
    app.extensions["mongo"] = database
    app.extensions["mongo_uses"] = Uses()
    app.extensions["mongo_reads"] = {"paused_until": 0.0}  # see read_or
    app.extensions["analytics_buffer"] = init_buffer(app, database)


class Uses:
    """How many times code asked for the database (get_mongo; the event buffer writes through
    its own handle and counts its own writes). The embedded store is saved only when this or the
    buffer's counts moved: an idle server does not rewrite its file every minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def add(self) -> None:
        with self._lock:
            self.count += 1


def get_mongo() -> Database:
    """The analytics database of the current app."""
    current_app.extensions["mongo_uses"].add()
    return current_app.extensions["mongo"]


def get_events_mongo() -> Database:
    """The analytics database, for reading what shoppers did (user_analytics, search_analytics):
    what the event buffer holds is written first, and on the embedded store its pending documents
    are moved into the database, so the reader sees every event recorded before it asked."""
    current_app.extensions["analytics_buffer"].settle()
    return get_mongo()


def read_or(default: T, read: Callable[[], T], *, reader: str) -> T:
    """`read()` for a page, or `default` when MongoDB is unreachable: a page never fails or waits
    on analytics. After a failure, reads are skipped for READ_PAUSE_SECONDS (counted as failed)."""
    from shop.analytics.metrics import READS_FAILED

    reads = current_app.extensions["mongo_reads"]
    if time.monotonic() < reads["paused_until"]:
        READS_FAILED.labels(reader).inc()
        return default
    try:
        return read()
    except PyMongoError as error:
        with _reads_lock:
            reads["paused_until"] = time.monotonic() + READ_PAUSE_SECONDS
        READS_FAILED.labels(reader).inc()
        log.warning("MongoDB read for %s failed, pages skip it for %.0f s: %s", reader, READ_PAUSE_SECONDS, error)
        return default
