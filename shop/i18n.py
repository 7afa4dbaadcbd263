"""Locale selection and localized content.

The database stores the seed's language codes (`en`, `kh`); Babel knows Khmer as `km`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from babel import Locale, numbers
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_locale, gettext
from flask_login import current_user

from shop.infra import cookies
from shop.money import usd_to_khr

SUPPORTED_LOCALES = ("en", "km")
DEFAULT_LOCALE = "en"
LANG_COOKIE = "lang"
LANG_COOKIE_AGE = 365 * 24 * 3600
_ALIASES = {"kh": "km", "km": "km", "en": "en", "km-kh": "km", "km_kh": "km", "en-us": "en", "en-gb": "en"}


def normalize_locale(code: str | None) -> str | None:
    """'kh', 'km', 'km-KH' -> 'km'; 'en', 'en-US' -> 'en'; anything else -> None."""
    if not code:
        return None
    return _ALIASES.get(code.strip().lower())


def to_db_language(locale: str) -> str:
    """Babel locale -> the seed's `user_language` value."""
    return "kh" if normalize_locale(locale) == "km" else "en"


@cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """?lang= (remembered in a cookie for pages), the cookie, the user's preference, then
    Accept-Language. A cookie rather than the session: choosing a language must not cost an
    anonymous visitor a server-side session. Returns a Babel Locale, parsed once per code:
    Flask-Babel would parse the code on every request."""
    return _babel_locale(_selected_code())


def _selected_code() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    asked = normalize_locale(request.args.get("lang"))
    page = not _is_api_request()
    if asked and page:
        remember_locale(asked)

    def preferred() -> str | None:
        user = current_user if getattr(current_app, "login_manager", None) else None
        if user is not None and getattr(user, "is_authenticated", False):
            return getattr(user.language, "value", user.language)
        return None

    remembered = request.cookies.get(LANG_COOKIE) if page else None
    return choose_locale(asked, remembered, preferred, lambda: request.accept_languages)


def choose_locale(
    asked: str | None,
    remembered: str | None,
    preferred: Callable[[], str | None],
    accepted: Callable[[], Iterable[tuple[str, float]]],
) -> str:
    """?lang= (`asked`), the language cookie (`remembered`), the signed-in user's preference,
    then Accept-Language ((value, quality) pairs, best first), then English. The last two are
    callables, called only when needed (the preference loads the user)."""
    for code in (asked, remembered):
        if chosen := normalize_locale(code):
            return chosen
    chosen = normalize_locale(preferred())
    if chosen:
        return chosen
    for value, _quality in accepted():
        code = normalize_locale(value) or normalize_locale(value.split("-")[0])
        if code:
            return code
    return DEFAULT_LOCALE


def remember_locale(locale: str | None) -> None:
    """Keep `locale` for this browser's next pages (sent as a cookie with the response)."""
    locale = normalize_locale(locale)
    if locale and locale != request.cookies.get(LANG_COOKIE):
        g.remember_locale = locale


def init_locale_cookie(app: Flask) -> None:
    app.after_request(_send_locale_cookie)


def _send_locale_cookie(response: Response) -> Response:
    locale = g.get("remember_locale")
    if locale:
        set_locale_cookie(response, locale, secure=cookies.secure(current_app.config))
    return response


def set_locale_cookie(response: Response, locale: str, *, secure: bool) -> None:
    cookies.set_cookie(response, LANG_COOKIE, locale, secure=secure, max_age=LANG_COOKIE_AGE)


def _is_api_request() -> bool:
    return request.path.startswith(("/api/", "/ml/"))


def current_locale() -> str:
    """The request's locale as 'en' or 'km'."""
    return _locale_code(get_locale())


@lru_cache(maxsize=64)
def _locale_code(locale: Locale | None) -> str:
    # Asked for every price and name a page shows (a listing: some 200 times): str(Locale)
    # builds the identifier anew each time.
    return normalize_locale(str(locale)) or DEFAULT_LOCALE


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


def khr_per_usd() -> Decimal:
    """The shop's riel rate (KHR_PER_USD)."""
    return current_app.config["KHR_PER_USD"]


def riel_amount(value: Any) -> int | None:
    """A dollar amount in whole riel at the shop's rate (None stays None): the figure shown
    beside dollars and given by the API."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return usd_to_khr(Decimal(value), khr_per_usd())


def riel(value: Any) -> str:
    """A dollar amount shown in riel in the current locale: '៛73,800' in English, Khmer's own
    '73,800 ៛' in Khmer (Latin digits, as every number the shop shows)."""
    khr = riel_amount(value)
    return "" if khr is None else _formatted_riel(khr, current_locale())


def money_and_riel(value: Any, sign: str = "") -> str:
    """Dollars with riel beside them as plain text: '$18.00 · ៛73,800' (emails, messages)."""
    return "" if value is None else f"{sign}{money(value)} · {sign}{riel(value)}"


def money_in(amount: Any, currency: str) -> str:
    """An amount already in `currency`, as a KHQR asks for it: dollars with cents ('$29.00'),
    riel whole ('៛118,900', '118,900 ៛' in Khmer)."""
    if amount is None:
        return ""
    if currency == "KHR":
        return _formatted_riel(int(Decimal(amount)), current_locale())
    return money(amount, currency)


def spoken_riel(value: Any) -> str:
    """What a screen reader says for the riel figure: '73,800 riel'."""
    khr = riel_amount(value)
    if khr is None:
        return ""
    return gettext("%(amount)s riel", amount=_formatted_whole(khr, current_locale()))


@lru_cache(maxsize=4096)
def _formatted_whole(number: int, locale: str) -> str:
    # Every card says its riel price to screen readers: Babel parses the pattern on each call.
    return numbers.format_decimal(number, "#,##0", locale=locale)


@lru_cache(maxsize=4096)
def _formatted_riel(khr: int, locale: str) -> str:
    if locale == "km":
        return numbers.format_currency(khr, "KHR", format="#,##0 ¤", currency_digits=False, locale="km")
    # English has no riel sign of its own ("KHR73,800"): the sign shoppers here know.
    return numbers.format_decimal(khr, "៛#,##0", locale=locale)
