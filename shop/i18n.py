"""Locale selection and localized content.

The database stores the seed's language codes (`en`, `kh`); Babel knows Khmer as `km`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import numbers
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

SUPPORTED_LOCALES = ("en", "km")
DEFAULT_LOCALE = "en"
_ALIASES = {"kh": "km", "km": "km", "en": "en", "km-kh": "km", "km_kh": "km", "en-us": "en", "en-gb": "en"}


def normalize_locale(code: str | None) -> str | None:
    """'kh', 'km', 'km-KH' -> 'km'; 'en', 'en-US' -> 'en'; anything else -> None."""
    if not code:
        return None
    return _ALIASES.get(code.strip().lower())


def to_db_language(locale: str) -> str:
    """Babel locale -> the seed's `user_language` value."""
    return "kh" if normalize_locale(locale) == "km" else "en"


def select_locale() -> str:
    """?lang= (remembered in the session for pages), the session, the user's preference,
    then Accept-Language."""
    if not has_request_context():
        return DEFAULT_LOCALE
    asked = normalize_locale(request.args.get("lang"))
    if asked:
        if not _is_api_request():
            session["lang"] = asked
        return asked
    if not _is_api_request():
        remembered = normalize_locale(session.get("lang"))
        if remembered:
            return remembered
    user = current_user if current_app.login_manager else None
    if user is not None and getattr(user, "is_authenticated", False):
        preferred = normalize_locale(getattr(user.language, "value", user.language))
        if preferred:
            return preferred
    header = request.accept_languages
    for value, _quality in header:
        code = normalize_locale(value) or normalize_locale(value.split("-")[0])
        if code:
            return code
    return DEFAULT_LOCALE


def _is_api_request() -> bool:
    return request.path.startswith(("/api/", "/ml/"))


def current_locale() -> str:
    """The request's locale as 'en' or 'km'."""
    return normalize_locale(str(get_locale())) or DEFAULT_LOCALE


def localized(obj: Any, field: str) -> Any:
    """`obj.<field>_kh` in Khmer when it has one, else `obj.<field>_en`."""
    if current_locale() == "km":
        value = getattr(obj, f"{field}_kh", None)
        if value:
            return value
    return getattr(obj, f"{field}_en", None)


def money(value: Any, currency: str | None = None) -> str:
    """Format a Decimal amount for display in the current locale."""
    if value is None:
        return ""
    return _formatted_money(Decimal(value), currency or current_app.config["CURRENCY"], current_locale())


@lru_cache(maxsize=4096)
def _formatted_money(value: Decimal, currency: str, locale: str) -> str:
    # A listing formats dozens of prices, most of them the same few: Babel's formatting is the
    # slow part, and its result depends on nothing else.
    return numbers.format_currency(value, currency, locale=locale)
