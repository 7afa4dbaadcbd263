"""Absolute URLs for emails and jobs, where there is no request to build them from."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """`url_for(endpoint, **values)` as an absolute URL under SHOP_BASE_URL."""
    with current_app.test_request_context(base_url=current_app.config["SHOP_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
