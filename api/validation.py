"""Validation messages in the request's language.

marshmallow ships English messages only, and it formats and wraps them at validation time
expecting plain `str`. So our messages are `Message` objects: a `str` (English, so marshmallow
handles them as usual) that remembers its msgid and parameters; `translate_messages` renders
them in the request's language when the error response is built. They are replaced once, at
import, before any schema is defined. `_m("...")` marks a message for extraction.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from shop.infra.inputs import MAX_ID, MIN_INT, day_in_range, has_bad_characters
from web.messages import Message

_m = Message


_FIELD_MESSAGES: dict[type[fields.Field], dict[str, Message]] = {
    fields.Field: {
        "required": _m("This field is required."),
        "null": _m("This field may not be empty."),
        "validator_failed": _m("Invalid value."),
    },
    fields.String: {"invalid": _m("Must be text."), "invalid_utf8": _m("Must be valid text.")},
    fields.Integer: {"invalid": _m("Must be a whole number.")},
    fields.Number: {"invalid": _m("Must be a number."), "too_large": _m("This number is too large.")},
    fields.Decimal: {"special": _m("Must be a number.")},
    fields.Boolean: {"invalid": _m("Must be true or false.")},
    fields.Date: {"invalid": _m("Must be a date (YYYY-MM-DD)."), "format": _m("Must be a date (YYYY-MM-DD).")},
    fields.DateTime: {
        "invalid": _m("Must be a date and time."),
        "invalid_awareness": _m("Must be a date and time."),
        "format": _m("Must be a date and time."),
    },
    fields.Email: {"invalid": _m("Must be a valid email address.")},
    fields.List: {"invalid": _m("Must be a list.")},
    fields.Nested: {"type": _m("Invalid type.")},
    fields.Dict: {"invalid": _m("Must be an object.")},
    fields.Url: {"invalid": _m("Must be a valid URL.")},
    fields.UUID: {"invalid_uuid": _m("Must be a valid UUID.")},
    fields.Enum: {"unknown": _m("Must be one of: {choices}.")},
}

for _field, _messages in _FIELD_MESSAGES.items():
    _field.default_error_messages = {**_field.default_error_messages, **_messages}

Schema._default_error_messages = {
    **Schema._default_error_messages,
    "type": _m("Invalid input type."),
    "unknown": _m("Unknown field."),
}
validate.Length.message_min = _m("Must be at least {min} characters.")
validate.Length.message_max = _m("Must be at most {max} characters.")
validate.Length.message_all = _m("Must be between {min} and {max} characters.")
validate.Length.message_equal = _m("Must be exactly {equal} characters.")
validate.OneOf.default_message = _m("Must be one of: {choices}.")
validate.Email.default_message = _m("Must be a valid email address.")
validate.Regexp.default_message = _m("Invalid format.")


class Range(validate.Range):
    """marshmallow's Range with translatable messages. (Its own formats its messages when the
    schema is defined, outside any request, so they could never be translated.)"""

    def __init__(
        self,
        min: Any = None,
        max: Any = None,
        *,
        min_inclusive: bool = True,
        max_inclusive: bool = True,
        error: str | None = None,
    ) -> None:
        super().__init__(min, max, min_inclusive=min_inclusive, max_inclusive=max_inclusive, error=error)
        self.message_min = _m("Must be at least {min}.") if min_inclusive else _m("Must be more than {min}.")
        self.message_max = _m("Must be at most {max}.") if max_inclusive else _m("Must be less than {max}.")
        self.message_all = _m("Must be between {min} and {max}.")


# ---------------------------------------------------------------- the shop's input rules (shop/infra/inputs.py)
#
# Patched into marshmallow's own fields, so every schema (today's and tomorrow's) keeps them:
# no integer outside PostgreSQL's `integer`, no text with a NUL or a lone surrogate, no date
# outside FIRST_DAY..LAST_DAY. `Id` (1..MAX_ID) is the field for record ids.

TOO_LARGE = _m("This number is too large.")
BAD_TEXT = _m("This contains a character that is not allowed (such as a NUL character).")
DAY_RANGE = _m("Must be a date from 1900-01-01 to 2100-12-31.")

_integer_validated = fields.Integer._validated
_string_deserialize = fields.String._deserialize
_date_deserialize = fields.Date._deserialize
_datetime_deserialize = fields.DateTime._deserialize


def _bounded_integer(self: fields.Integer, value: Any) -> int:
    number = _integer_validated(self, value)
    if not MIN_INT <= number <= MAX_ID:
        raise ValidationError(TOO_LARGE)
    return number


def _clean_string(self: fields.String, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
    text = _string_deserialize(self, value, attr, data, **kwargs)
    if isinstance(text, str) and has_bad_characters(text):
        raise ValidationError(BAD_TEXT)
    return text


def _day_in_range(self: fields.Date, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
    if isinstance(value, str) and has_bad_characters(value):
        raise ValidationError(BAD_TEXT)
    day = _date_deserialize(self, value, attr, data, **kwargs)
    if not day_in_range(day):
        raise ValidationError(DAY_RANGE)
    return day


def _moment_in_range(self: fields.DateTime, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
    if isinstance(value, str) and has_bad_characters(value):
        raise ValidationError(BAD_TEXT)
    moment = _datetime_deserialize(self, value, attr, data, **kwargs)
    if not day_in_range(moment.date()):
        raise ValidationError(DAY_RANGE)
    return moment


fields.Integer._validated = _bounded_integer  # type: ignore[method-assign]
fields.String._deserialize = _clean_string  # type: ignore[method-assign]
fields.Date._deserialize = _day_in_range  # type: ignore[method-assign,assignment]
fields.DateTime._deserialize = _moment_in_range  # type: ignore[method-assign,assignment]


class Id(fields.Integer):
    """A record id: a whole number from 1 to MAX_ID (2147483647), as the OpenAPI document says.
    Anything else is a 422 naming the field, never an `integer out of range` from the database."""

    def __init__(self, **kwargs: Any) -> None:
        validators = kwargs.pop("validate", None)
        extra = [validators] if callable(validators) else list(validators or [])
        super().__init__(strict=kwargs.pop("strict", False), validate=[Range(min=1, max=MAX_ID), *extra], **kwargs)


def id_list(**kwargs: Any) -> fields.List:
    """A list of record ids (bulk `ids`, `category_ids`, `applicable_products`...)."""
    return fields.List(Id(), **kwargs)
