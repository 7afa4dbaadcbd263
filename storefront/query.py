"""Query-string arguments the storefront's pages share."""

from __future__ import annotations

from flask import request

from shop.paging import parse_page


def page_arg() -> int:
    """`?page=`, by the shop's one rule (`shop.paging.parse_page`): a bad one is a 400 page."""
    return parse_page(request.args.get("page"))
