"""Query-string arguments the storefront's pages share."""

from __future__ import annotations

from flask import abort, request


def page_arg() -> int:
    """`?page=`: a whole number from 1 (1 when absent); anything else is a 400."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        abort(400)
    return int(raw)
