"""Error pages for the browser, and the JSON envelope for /api, /ml and /health."""

from __future__ import annotations

import logging

import redis
from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from shop.errors import ServiceUnavailable, ShopError
from web.envelope import error_response
from web.messages import translate_messages

log = logging.getLogger("shop.errors")

TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Already exists"),
    413: _l("Too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Unavailable for a moment"),
}
MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered."),
    401: _l("You need to sign in to see this page."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find the page you were looking for."),
    405: _l("This action is not allowed here."),
    413: _l("What you sent is larger than we accept."),
    422: _l("Some of what you entered is not valid."),
    429: _l("You have made too many requests. Please wait a moment and try again."),
    500: _l("Our shop had a problem. We have been told and will fix it. Please try again."),
}

JSON_PREFIXES = ("/api/", "/ml/", "/health")


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or request.path in ("/api", "/ml")


def handle_http_exception(error: HTTPException):
    code = error.code or 500
    # An error that says more than its status (a refused CSRF token) carries a translatable message.
    message = getattr(error, "message", None) or MESSAGES.get(code, error.description)
    # The exception's own headers (a 405's Allow, a 401's WWW-Authenticate), not its body's type.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    if wants_json():
        messages = (getattr(error, "data", None) or {}).get("messages")
        response, status = error_response(str(message), code, details=translate_messages(messages))
        response.headers.extend(headers)
        return response, status
    page = render_template(
        "errors/error.html",
        code=code,
        title=TITLES.get(code, error.name),
        message=message,
    )
    return page, code, headers


def handle_shop_error(error: ShopError):
    """A service said no and no view handled it: the envelope for JSON, an error page otherwise."""
    retry_after = getattr(error, "retry_after", None)  # TooManyAttempts, ServiceUnavailable
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    message = str(error.message)
    if wants_json():
        details = {error.field: [message]} if error.field else None
        response, status = error_response(message, error.status, details=details)
        response.headers.update(headers)
        return response, status
    page = render_template("errors/error.html", code=error.status, title=TITLES.get(error.status, ""), message=message)
    return page, error.status, headers


def handle_store_down(error: redis.RedisError):
    """Redis is unreachable and this request needs it (a session, a cart, a token check): 503
    with Retry-After. The page is plain when even the layout needs Redis (the cart badge)."""
    log.warning("redis unreachable on %s %s: %r", request.method, request.path, error)
    unavailable = ServiceUnavailable()
    try:
        return handle_shop_error(unavailable)
    except redis.RedisError:
        title, message = escape(TITLES[503]), escape(unavailable.message)
        page = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
        return page, 503, {"Retry-After": str(unavailable.retry_after)}


def handle_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ShopError, handle_shop_error)
    app.register_error_handler(redis.RedisError, handle_store_down)
    app.register_error_handler(Exception, handle_unexpected)
