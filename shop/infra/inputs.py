"""The one validation layer for what arrives from outside, before any door reads it.

Every door (pages, admin, API, /ml) gets the same four rules, so no value that the database or
Python cannot hold reaches a query and comes back as a 500:

- **ids**: a record id is a whole number from 1 to MAX_ID (PostgreSQL's `integer`). Path
  variables `<int:...>` use `IdConverter` (anything else does not match: 404); query strings and
  forms use `parse_id`; the API's schemas `api.validation.Id`.
- **text**: no NUL character (PostgreSQL refuses it in text) and no lone surrogate (`"\\ud800"` in
  JSON: it cannot be encoded as UTF-8). `check_request` refuses them in the path, the query, the
  form and the JSON body with a 400 naming the field, before the view runs.
- **dates**: from FIRST_DAY to LAST_DAY (`parse_day`, the API's and the forms' date fields), so
  `0001-01-01` or `9999-12-31` never overflow a date sum or a timestamp.
- **page numbers**: `shop.paging.parse_page`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from shop.errors import ShopError

MAX_ID = 2**31 - 1  # PostgreSQL's integer; every id column is one
MIN_INT = -(2**31)
FIRST_DAY = date(1900, 1, 1)  # birth dates included
LAST_DAY = date(2100, 12, 31)
# NUL, and any UTF-16 surrogate (in a Python str they only appear unpaired, as from "\ud800").
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


class BadText(ShopError):
    """A value with a character no text field can hold (NUL, a lone surrogate)."""

    status = 400
    code = "bad_text"
    default_message = _l("This contains a character that is not allowed (such as a NUL character).")


class BadDate(ShopError):
    status = 400
    code = "bad_date"
    default_message = _l("Must be a date (YYYY-MM-DD).")


OUT_OF_RANGE_DAY = _l("Must be a date from 1900-01-01 to 2100-12-31.")


def is_id(value: Any) -> bool:
    """Whether `value` can be a record id (an int, not a bool, from 1 to MAX_ID)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(raw: str | None) -> int | None:
    """An id from a query string or a form: '42' -> 42; anything that is not a whole number
    from 1 to MAX_ID (empty, '0', '-1', 'abc', '2147483648') -> None, which the caller treats as
    "no such record" or as bad input."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if is_id(number) else None


def has_bad_characters(text: str) -> bool:
    """Whether `text` holds a NUL character or a lone surrogate."""
    return BAD_CHARACTERS.search(text) is not None


def day_in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def parse_day(raw: str | None, *, field: str | None = None) -> date | None:
    """A date from a query string or a form (YYYY-MM-DD): empty -> None; not a date, or a date
    outside FIRST_DAY..LAST_DAY -> BadDate (400) naming `field`."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadDate(field=field) from None
    if not day_in_range(day):
        raise BadDate(OUT_OF_RANGE_DAY, field=field)
    return day


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: only 1..MAX_ID match, so a larger (or zero) id is a 404
    instead of an `integer out of range` from the database. Routes that need other bounds
    still pass `min`/`max`."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def bad_json_field(value: Any, path: str = "") -> str | None:
    """The path of the first string (or key) in a parsed JSON document with a bad character:
    `password`, `items[0].name`; None when there is none."""
    if isinstance(value, str):
        return path or "body" if has_bad_characters(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_bad_characters(key):
                return path or "body"
            found = bad_json_field(item, name)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = bad_json_field(item, f"{path}[{index}]")
            if found:
                return found
    return None


def check_request() -> None:
    """Refuse NUL characters and lone surrogates anywhere in the request's path, query, form or
    JSON body (BadText, 400, naming the field), and JSON nested too deep to parse (400). A URL
    that matches no route is left to routing (404/405)."""
    if request.routing_exception is not None:
        return
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and has_bad_characters(value):
            raise BadText(field=name)
    for source in (request.args, request.form if request.method not in ("GET", "HEAD") else None):
        if source is None:
            continue
        for key, value in source.items(multi=True):
            if has_bad_characters(key):
                raise BadText(field="query")
            if has_bad_characters(value):
                raise BadText(field=key)
    for key, upload in request.files.items(multi=True) if request.method not in ("GET", "HEAD") else ():
        if has_bad_characters(key) or has_bad_characters(upload.filename or ""):
            raise BadText(field=key)
    if request.is_json:
        try:
            field = bad_json_field(request.get_json(silent=True))
        except RecursionError:  # `[[[[...]]]]` nested deeper than any parser goes: not our JSON
            raise BadRequest() from None
        if field:
            raise BadText(field=field)


def init_inputs(app: Flask) -> None:
    """Install the id converter (before any route is added) and the request check (before the
    CSRF check, which reads the form)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
