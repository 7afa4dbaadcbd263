"""Server-side sessions in Redis (seed key session:{id}, 24 hours); the cookie holds the id.

A session is written back only when it changed, or when its expiry was last pushed back more than
SESSION_REFRESH_SECONDS ago: an active visitor keeps a sliding 24 hours, and a page view that
changes nothing costs one Redis read instead of a read and a write.
"""

from __future__ import annotations

import time

from flask import Flask, session

REFRESHED = "_refreshed"


def init_sessions(app: Flask) -> None:
    from flask_session import Session

    app.config.setdefault("SESSION_TYPE", "redis")
    app.config.setdefault("SESSION_REDIS", app.extensions["redis"])
    app.config.setdefault("SESSION_KEY_PREFIX", "session:")
    app.config.setdefault("SESSION_SERIALIZATION_FORMAT", "json")
    Session(app)
    app.before_request(_slide_expiry)


def _slide_expiry() -> None:
    if not session:
        return
    now = int(time.time())
    if now - session.get(REFRESHED, 0) >= _refresh_seconds():
        session[REFRESHED] = now  # marks the session modified: saved with a fresh expiry


def _refresh_seconds() -> int:
    from flask import current_app

    return current_app.config["SESSION_REFRESH_SECONDS"]
