"""Recommendation blocks: "Recommended for you" as an HTMX fragment (a per-shopper block, never
part of a cached page)."""

from __future__ import annotations

from flask import make_response, render_template
from flask_login import current_user

from shop.recommendations import serving
from storefront import bp

HOME_LIMIT = 8


@bp.get("/recommendations/for-you")
def recommended_for_you():
    """The signed-in shopper's recommendations (empty for guests), loaded by the home page."""
    result = serving.for_user(current_user.id, limit=HOME_LIMIT) if current_user.is_authenticated else None
    response = make_response(render_template("storefront/recommendations/_for_you.html", result=result))
    response.headers["Cache-Control"] = "private, no-store"
    response.vary.add("Cookie")
    return response
