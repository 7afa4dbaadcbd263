"""CSRF protection without a server-side session (signed double-submit cookie).

Every form and HTMX request carries `csrf_token` (field) or `X-CSRFToken` (header); it must equal
an HMAC of this browser's id cookie (shop.infra.browser) under the secret key. Another site can neither
read the cookie nor compute the token, and over HTTPS the request must also come from our own
origin. Because the token needs no session, anonymous pages (the cached product page above all)
are served without reading one. The API authenticates with bearer tokens and is exempt.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from shop.infra import browser

FIELD = "csrf_token"
HEADERS = ("X-CSRFToken", "X-CSRF-Token")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CSRFError(BadRequest):
    """A state-changing request without a valid token (400)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


PURPOSE = "csrf"


def token() -> str:
    """The token this browser's forms carry."""
    return browser.derived(PURPOSE)


def token_for(key: str | bytes, browser_id: str) -> str:
    """token(), outside a Flask request (storefront.shared_pages)."""
    return browser.sign(key, PURPOSE, browser_id)


class CSRFProtect:
    """Checks every state-changing request of the app, but for exempt blueprints and views.
    CSRF_ENABLED (default True) turns the check off (some tests)."""

    def __init__(self) -> None:
        self._exempt_blueprints: set[Blueprint] = set()
        self._exempt_views: set[str] = set()

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("CSRF_ENABLED", True)
        # Flask-WTF's own per-form token lives in the session; this check replaces it.
        app.config["WTF_CSRF_ENABLED"] = False
        browser.init_browser_ids(app)
        app.jinja_env.globals["csrf_token"] = token
        app.before_request(self.protect)

    def exempt(self, view: Blueprint | str) -> Blueprint | str:
        if isinstance(view, Blueprint):
            self._exempt_blueprints.add(view)
        else:
            self._exempt_views.add(view)
        return view

    def protect(self) -> None:
        if request.method in SAFE_METHODS or not current_app.config["CSRF_ENABLED"]:
            return
        if request.routing_exception is not None:  # no such URL (404) or method (405): say so
            return
        if request.endpoint in self._exempt_views:
            return
        if any(current_app.blueprints.get(name) in self._exempt_blueprints for name in request.blueprints):
            return
        sent = request.form.get(FIELD) or next((request.headers[h] for h in HEADERS if h in request.headers), "")
        if not sent:
            raise CSRFError(_l("The form was sent without its security token. Please reload the page and try again."))
        if not hmac.compare_digest(sent.encode(), token().encode()):
            raise CSRFError(_l("This form has expired. Please reload the page and try again."))
        if request.is_secure and not _same_origin():
            raise CSRFError(_l("This request came from another site, so it was refused."))


def _same_origin() -> bool:
    """Over HTTPS: the Origin (or, without it, the Referer) is this site."""
    source = request.headers.get("Origin") or request.referrer
    if not source:
        return False
    parts = urlsplit(source)
    return parts.scheme == "https" and parts.netloc == request.host
