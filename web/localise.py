"""Dates, times and the country as each language writes them, for every door's templates.

Babel's Khmer patterns use a 12-hour clock with the English "AM"/"PM" (CLDR has no Khmer day
periods), so in Khmer times are written on the 24-hour clock ("14:05"), as Cambodian shops and
banks print them. The `datetimeformat` and `timeformat` filters are replaced by these (same
arguments: 'short', 'medium', 'long', 'full' or a Babel pattern); other languages are unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from babel import Locale, dates
from flask import Flask
from flask_babel import get_locale, get_timezone

from shop.accounts.addresses import COUNTRIES, DEFAULT_COUNTRY
from shop.orders.services import item_name

NAMED = ("short", "medium", "long", "full")
TWELVE_HOUR_LOCALES = {"en"}  # languages whose clock keeps its day periods


def _clock(pattern: str, locale: Locale) -> str:
    """`pattern` on the 24-hour clock, without the day period, unless the language keeps it."""
    if locale.language in TWELVE_HOUR_LOCALES:
        return pattern
    return pattern.replace("hh", "HH").replace("h", "H").replace(" a", "").replace("a", "").strip()


def _time_pattern(format: str | None, locale: Locale) -> str:
    name = format or "medium"
    if name in NAMED:
        return _clock(str(locale.time_formats[name].pattern), locale)
    return _clock(name, locale)


def format_datetime(value: datetime | None, format: str | None = None, rebase: bool = True) -> str:
    """A date and time in the shop's time zone, in the page's language (24-hour clock in Khmer)."""
    if value is None:
        return ""
    locale = get_locale() or Locale("en")
    tz = get_timezone() if rebase else None
    name = format or "medium"
    if name not in NAMED:
        return dates.format_datetime(value, _clock(name, locale), tzinfo=tz, locale=locale)
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz) if tz else value
    date_part = dates.format_date(local, name, locale=locale)
    time_part = dates.format_time(value, _time_pattern(name, locale), tzinfo=tz, locale=locale)
    glue = str(locale.datetime_formats.get(name, "{1} {0}"))
    return glue.replace("{1}", date_part).replace("{0}", time_part)


def format_time(value: datetime | time | None, format: str | None = None, rebase: bool = True) -> str:
    """A time in the page's language (24-hour clock in Khmer)."""
    if value is None:
        return ""
    locale = get_locale() or Locale("en")
    tz = get_timezone() if rebase and isinstance(value, datetime) else None
    return dates.format_time(value, _time_pattern(format, locale), tzinfo=tz, locale=locale)


def country_name(value: str | None) -> str:
    """The shop's country (stored as "Cambodia") in the page's language: កម្ពុជា in Khmer."""
    if not value:
        return ""
    if value.strip().lower() not in COUNTRIES:
        return value
    locale = get_locale() or Locale("en")
    return str(locale.territories.get("KH", DEFAULT_COUNTRY))


def register_locale_filters(app: Flask) -> None:
    """Replace Flask-Babel's date-time filters and add `country_name` and `item_name` (an order
    item as it was bought, in the page's or email's language) (call after Babel)."""
    app.add_template_filter(format_datetime, "datetimeformat")
    app.add_template_filter(item_name, "item_name")
    app.add_template_filter(format_time, "timeformat")
    app.add_template_filter(country_name, "country_name")
