"""One URL, a whole page or a fragment: HTMX requests get just the named block."""

from __future__ import annotations

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx_fragment_request() -> bool:
    """An HTMX request that wants a fragment (not a boosted navigation or a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str, **context):
    """The block for HTMX, the full page otherwise; `Vary: HX-Request` either way."""
    if is_htmx_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response
