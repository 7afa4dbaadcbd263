"""Server-side sessions in Redis (seed key session:{id}, 24 hours); the cookie holds the id.

A session is written back only when it changed, or when its expiry was last pushed back more than
SESSION_REFRESH_SECONDS ago: an active visitor keeps a sliding 24 hours, and a page view that
changes nothing costs one Redis read instead of a read and a write.

Redis unreachable: a session that cannot be read is an empty one that is never saved, so a
visitor can still look around (GET) as if signed out; a request that would change something
(POST, PUT, ...) or write a session answers 503 with Retry-After (shop.errors.ServiceUnavailable)
instead of losing what it did. A visitor without a session cookie costs Redis nothing at all.
"""

from __future__ import annotations

import json
import logging
import time

import redis
from flask import Flask, g, request, session
from flask_session.redis import RedisSessionInterface
from markupsafe import escape

from shop.errors import ServiceUnavailable

log = logging.getLogger("shop.sessions")
REFRESHED = "_refreshed"
UNREADABLE = "_session_unreadable"


class OutageAwareSessions(RedisSessionInterface):
    """Flask-Session's Redis sessions, surviving a Redis outage (see the module docstring)."""

    def open_session(self, app, request):
        try:
            return super().open_session(app, request)
        except redis.RedisError as error:  # raised here it would escape every error handler
            log.warning("session store unreachable: the visitor is read-only", extra={"fields": {"error": repr(error)}})
            setattr(g, UNREADABLE, True)
            return self.session_class(sid=self._generate_sid(self.sid_length), permanent=self.permanent)

    def save_session(self, app, session, response) -> None:
        if g.get(UNREADABLE):  # never overwrite a session we could not read
            return
        try:
            super().save_session(app, session, response)
        except redis.RedisError as error:
            # Raised here it would reach no error handler: what the request did (a sign-in, a
            # cart line) is not kept, so its answer becomes a 503.
            log.warning("session store unreachable: not saved", extra={"fields": {"error": repr(error)}})
            _unavailable(response)


def _unavailable(response) -> None:
    refused = ServiceUnavailable()
    message = str(refused.message)
    response.status_code = 503
    response.headers["Retry-After"] = str(refused.retry_after)
    response.headers.pop("Location", None)
    if response.mimetype == "application/json":
        response.set_data(json.dumps({"success": False, "message": message, "error": {"code": 503}}))
    else:
        response.mimetype = "text/html"
        text = escape(message)
        response.set_data(f"<!doctype html><title>503</title><h1>503</h1><p>{text}</p>")


def init_sessions(app: Flask) -> None:
    from flask_session import Session

    app.config.setdefault("SESSION_TYPE", "redis")
    app.config.setdefault("SESSION_REDIS", app.extensions["redis"])
    app.config.setdefault("SESSION_KEY_PREFIX", "session:")
    app.config.setdefault("SESSION_SERIALIZATION_FORMAT", "json")
    Session(app)
    interface = app.session_interface
    interface.__class__ = OutageAwareSessions  # built by Flask-Session from the config above
    app.before_request(_refuse_changes_without_a_session)
    app.before_request(_slide_expiry)


def _refuse_changes_without_a_session() -> None:
    if g.get(UNREADABLE) and request.method not in ("GET", "HEAD", "OPTIONS"):
        raise ServiceUnavailable()


def _slide_expiry() -> None:
    if not session or g.get(UNREADABLE):
        return
    now = int(time.time())
    if now - session.get(REFRESHED, 0) >= _refresh_seconds():
        session[REFRESHED] = now  # marks the session modified: saved with a fresh expiry


def _refresh_seconds() -> int:
    from flask import current_app

    return current_app.config["SESSION_REFRESH_SECONDS"]
