"""The MongoDB database: pymongo when MONGO_URI is set, mongomock in embedded mode."""

from __future__ import annotations

from flask import Flask, current_app
from pymongo.database import Database


def init_mongo(app: Flask) -> None:
    uri = app.config.get("MONGO_URI")
    if uri:
        from pymongo import MongoClient

        # Short timeouts: analytics must never hold a page hostage.
        client = MongoClient(uri, serverSelectionTimeoutMS=1500, connectTimeoutMS=1500, tz_aware=True)
    else:
        import mongomock_ng as mongomock

        client = mongomock.MongoClient(tz_aware=True)
    app.extensions["mongo"] = client[app.config["MONGO_DATABASE"]]


def get_mongo() -> Database:
    """The analytics database of the current app."""
    return current_app.extensions["mongo"]
