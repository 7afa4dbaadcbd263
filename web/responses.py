"""Response headers shared by the doors."""

from __future__ import annotations


def private(response, status: int | None = None):
    """Personal pages (carts, orders) are never cached and never leak their URL as a referrer."""
    if status is not None:
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
