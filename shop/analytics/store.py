"""The MongoDB database: pymongo when MONGO_URI is set, mongomock in embedded mode; and the
process's analytics event buffer that writes to it."""

from __future__ import annotations

from flask import Flask, current_app
from pymongo.database import Database

# Short timeouts: analytics must never hold a page hostage (a URI may set its own).
_TIMEOUTS = {"serverSelectionTimeoutMS": 1500, "connectTimeoutMS": 1500, "socketTimeoutMS": 5000}


def init_mongo(app: Flask) -> None:
    from shop.analytics.buffer import init_buffer

    uri = app.config.get("MONGO_URI")
    if uri:
        from pymongo import MongoClient

        options = {name: value for name, value in _TIMEOUTS.items() if name.lower() not in uri.lower()}
        client = MongoClient(uri, tz_aware=True, **options)
    else:
        import mongomock_ng as mongomock

        client = mongomock.MongoClient(tz_aware=True)
    database = client[app.config["MONGO_DATABASE"]]
    app.extensions["mongo"] = database
    app.extensions["analytics_buffer"] = init_buffer(app, database)


def get_mongo() -> Database:
    """The analytics database of the current app."""
    return current_app.extensions["mongo"]


def flush_events() -> int:
    """Write the current app's waiting analytics records now (the CLI and tests use it)."""
    return current_app.extensions["analytics_buffer"].flush()
