"""The security headers of every response, from one place: pages, the API, static files, and
the product pages served before Flask (storefront/shared_pages.py calls `apply`).

The CSP allows only this site's own scripts and styles (htmx is vendored; no inline script, no
inline event handler). Style *attributes* stay allowed (`style-src-attr`): a few templates pass
a number to CSS that way (a star rating, a bar's share); `<style>` elements are not.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def apply(headers: Headers | MutableMapping[str, str], *, https: bool, production: bool) -> None:
    """Add the headers a response does not set itself (an account page keeps its stricter
    `Referrer-Policy: no-referrer`). HSTS only in production over HTTPS."""
    for name, value in HEADERS.items():
        if name not in headers:
            headers[name] = value
    if production and https:
        headers.setdefault("Strict-Transport-Security", HSTS)


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        apply(response.headers, https=request.is_secure, production=current_app.config.get("ENV_NAME") == "production")
        return response
