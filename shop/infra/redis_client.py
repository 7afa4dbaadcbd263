"""The shared Redis connection, or None in embedded mode (no REDIS_URL)."""

from __future__ import annotations

import redis
from flask import Flask, current_app


def init_redis(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["redis"] = redis.Redis.from_url(url) if url else None


def get_redis() -> redis.Redis | None:
    """The app's Redis client, or None when the shop runs without Redis."""
    return current_app.extensions.get("redis")
