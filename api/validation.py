"""Validation messages in the request's language.

marshmallow ships English messages only, and it formats and wraps them at validation time
expecting plain `str`. So our messages are `Message` objects: a `str` (English, so marshmallow
handles them as usual) that remembers its msgid and parameters; `translate_messages` renders
them in the request's language when the error response is built. They are replaced once, at
import, before any schema is defined. `_m("...")` marks a message for extraction.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import flask_smorest
from marshmallow import Schema, fields, validate
from webargs.flaskparser import FlaskParser

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


# ---------------------------------------------------------------- JSON bodies say what they mean
#
# marshmallow reads "5" or 5.7 as the integer 5 and 0 as false: right for a query string (all
# text), wrong for a JSON body, where the OpenAPI document promises an integer or a boolean and
# a client that sends anything else has a bug to hear about. So while a JSON body is loaded,
# integers must be JSON integers and booleans JSON booleans (422 otherwise).

_IN_JSON_BODY: ContextVar[bool] = ContextVar("in_json_body", default=False)


class ShopParser(FlaskParser):
    """webargs' Flask parser, noting while it loads a JSON body."""

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any) -> Any:
        token = _IN_JSON_BODY.set((location or self.location) == "json")
        try:
            return super().parse(argmap, req, location=location, **kwargs)
        finally:
            _IN_JSON_BODY.reset(token)


_integer_validated = fields.Integer._validated
_boolean_deserialize = fields.Boolean._deserialize


def _json_integer(self: fields.Integer, value: Any) -> Any:
    """No fractions anywhere (marshmallow would cut 5.7 to 5), and no text in a JSON body."""
    fraction = isinstance(value, float) and not value.is_integer()
    if isinstance(value, bool) or fraction or (_IN_JSON_BODY.get() and isinstance(value, str)):
        raise self.make_error("invalid")
    return _integer_validated(self, value)


def _json_boolean(self: fields.Boolean, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
    if _IN_JSON_BODY.get() and not isinstance(value, bool):
        raise self.make_error("invalid")
    return _boolean_deserialize(self, value, attr, data, **kwargs)


fields.Integer._validated = _json_integer  # type: ignore[method-assign]
fields.Boolean._deserialize = _json_boolean  # type: ignore[method-assign]
flask_smorest.Blueprint.ARGUMENTS_PARSER = ShopParser()

_arguments = flask_smorest.Blueprint.arguments


def _body_required_only_when_a_field_is(self: Any, schema: Any, *, location: str = "json", **kwargs: Any) -> Any:
    """A JSON body none of whose fields is required (logout's optional refresh token, a partial
    update) may be left out: the document says so (`requestBody.required: false`)."""
    if location == "json" and "required" not in kwargs:
        instance = schema() if isinstance(schema, type) else schema
        kwargs["required"] = not instance.partial and any(f.required for f in instance.fields.values())
    return _arguments(self, schema, location=location, **kwargs)


flask_smorest.Blueprint.arguments = _body_required_only_when_a_field_is  # type: ignore[method-assign]
