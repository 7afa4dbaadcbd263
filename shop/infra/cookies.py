"""The shop's own small cookies (the browser id, the language, the last search): one set of
attributes for all of them. HttpOnly and SameSite=Lax always; Secure where session cookies are."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from werkzeug.wrappers import Response


def secure(config: Mapping[str, Any]) -> bool:
    """Whether cookies are sent over HTTPS only (SESSION_COOKIE_SECURE: production)."""
    return bool(config.get("SESSION_COOKIE_SECURE"))


def set_cookie(
    response: Response, name: str, value: str, *, secure: bool, max_age: timedelta | int | None = None
) -> None:
    """Set one of the shop's cookies; without `max_age` it lasts as long as the browser session."""
    response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="Lax")
