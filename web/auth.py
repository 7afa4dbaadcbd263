"""Browser sessions: signing in and out (with session rotation), safe `?next=` targets, and the
response headers of private pages. Used by the storefront account pages and the admin login."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, make_response, render_template, request, session
from flask_login import login_user, logout_user

from shop.accounts.models import User
from shop.cart import services as cart
from shop.infra import browser

REMEMBER_FOR = timedelta(days=30)
# What a guest did that is theirs and harmless to keep when they sign in: the skin analysis
# answers (so "Sign in to save your skin profile" can save them). Nothing that grants anything.
SKIN_ANSWERS_KEY = "skin_answers"
KEPT_ON_SIGN_IN = (SKIN_ANSWERS_KEY,)


def _rotate_session() -> None:
    """A new session for a new identity, against session fixation.

    Server-side sessions (Flask-Session in Redis) get a new id and the old record is deleted;
    cookie sessions are emptied (the signed cookie then changes). The browser id is renewed too,
    so the CSRF token changes and forms opened before are refused. The language is a cookie of
    its own and stays.
    """
    interface = current_app.session_interface
    if hasattr(interface, "regenerate"):
        interface.regenerate(session)
    session.clear()
    browser.renew()


def sign_in(user: User, remember: bool = False) -> None:
    """Start a session for `user` (already authenticated by shop.accounts.services). A guest
    cart kept in the session joins the user's cart first."""
    cart.merge_guest_cart(session, user.id)
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    _rotate_session()
    session.update(kept)
    login_user(user, remember=remember, duration=REMEMBER_FOR)


def sign_out() -> None:
    """End the session and forget the "remember me" cookie."""
    _rotate_session()
    # After the rotation: logout_user leaves the flag that deletes the remember cookie.
    logout_user()


def remembered() -> bool:
    """Whether this browser holds a "remember me" cookie (to keep it when renewing the session)."""
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a relative URL on this site (`/account?x=1`), else None.

    Refuses absolute URLs, scheme-relative `//host`, the backslash tricks browsers read as
    `//host`, and control characters.
    """
    if not target:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def render_private(template: str, status: int = 200, headers: dict | None = None, **context):
    """A page with personal data or a form: never cached, never leaks its URL as a referrer
    (reset and verification links carry their token in the query string)."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.update(headers or {})
    return response
