"""A random id per browser, kept in a cookie: what an anonymous visit needs, without a session.

The CSRF token (shop.infra.csrf) and a guest's analytics session id are derived from it with the secret
key. So a shopper who only looks around costs no server-side session, and a cached page can be
served to them without a Redis read (storefront.shared_pages). The cookie is `__Host-browser`
when cookies are Secure (production): no other site, subdomain included, can set it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response

from shop.infra import cookies

MAX_AGE = timedelta(days=365)
_VALID = re.compile(r"^[0-9a-f]{32}$")


def cookie_name(secure: bool) -> str:
    return "__Host-browser" if secure else "browser"


def valid_id(value: str | None) -> str | None:
    """`value` if it is a browser id this shop could have made, else None."""
    return value if value and _VALID.match(value) else None


def new_id() -> str:
    return secrets.token_hex(16)


def sign(key: str | bytes, purpose: str, browser: str) -> str:
    """A value tied to `browser` for one purpose, that nobody can compute without the secret
    key (and that does not give the browser id away)."""
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"{purpose}:{browser}".encode(), hashlib.sha256).hexdigest()


def set_cookie(response: Response, browser: str, *, secure: bool) -> None:
    cookies.set_cookie(response, cookie_name(secure), browser, secure=secure, max_age=MAX_AGE)


# ---------------------------------------------------------------- in a Flask request


def _secure() -> bool:
    return cookies.secure(current_app.config)


def browser_id() -> str:
    """This browser's id: from its cookie, or a new one (sent back with the response)."""
    known = g.get("browser_id")
    if known is not None:
        return known
    value = valid_id(request.cookies.get(cookie_name(_secure())))
    if value is None:
        value = new_id()
        g.browser_id_is_new = True
    g.browser_id = value
    return value


def renew() -> str:
    """A new id for this browser from now on (after signing in or out)."""
    g.browser_id = new_id()
    g.browser_id_is_new = True
    g.pop("browser_derived", None)
    return g.browser_id


def derived(purpose: str) -> str:
    """sign() for this request's browser (computed once per purpose and request)."""
    known = g.setdefault("browser_derived", {})
    value = known.get(purpose)
    if value is None:
        value = known[purpose] = sign(current_app.config["SECRET_KEY"], purpose, browser_id())
    return value


def init_browser_ids(app: Flask) -> None:
    app.after_request(_send_cookie)


def _send_cookie(response: Response) -> Response:
    if g.get("browser_id_is_new"):
        set_cookie(response, g.browser_id, secure=_secure())
    return response
