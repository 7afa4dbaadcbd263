"""The response envelope in the OpenAPI document: `{success, message, data}` around each
endpoint's own data schema, the seed's pagination fields, and the error envelope every error
answer uses (`web.envelope.error_response`).

These schemas document; the views build their payloads and answer with `success_response`.
`tests/api/test_contract.py` runs schemathesis over the document, which checks every answer
against the schema documented here.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

_ENVELOPES: dict[str, type[Schema]] = {}


class ErrorDetailSchema(Schema):
    """`error` in an error answer."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status", "example": 422})
    request_id = fields.String(
        required=True, allow_none=True, metadata={"description": "The X-Request-ID of this request (for support)"}
    )
    details = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={
            "description": "Which fields are wrong: field name to a list of messages (nested for "
            "a nested body or a list item), for bad input (422) and for a rule that names a field",
            "example": {"email": ["Must be a valid email address."]},
        },
    )
    order_id = fields.Integer(metadata={"description": "409 on checkout: the order this cart already became"})
    order_url = fields.String(metadata={"description": "409 on checkout: that order's API URL"})


class ErrorEnvelopeSchema(Schema):
    """Every error answer: `success` false, a translated `message`, and `error`."""

    success = fields.Boolean(required=True, metadata={"enum": [False]})
    message = fields.String(
        required=True, metadata={"description": "In the request's language (?lang=, Accept-Language)"}
    )
    error = fields.Nested(ErrorDetailSchema, required=True)


def envelope(name: str, data: fields.Field | type[Schema] | None = None, *, many: bool = False) -> type[Schema]:
    """The success envelope around `data` (a schema class, a field, or None for `data: null`),
    registered in the document as `name`."""
    if name in _ENVELOPES:
        return _ENVELOPES[name]
    if data is None:
        data_field: fields.Field = fields.Raw(required=True, allow_none=True, metadata={"description": "null"})
    elif isinstance(data, type) and issubclass(data, Schema):
        data_field = fields.List(fields.Nested(data), required=True) if many else fields.Nested(data, required=True)
    else:
        data_field = data
    schema = Schema.from_dict(
        {
            "success": fields.Boolean(required=True, metadata={"enum": [True]}),
            "message": fields.String(required=True),
            "data": data_field,
        },
        name=name,
    )
    _ENVELOPES[name] = schema
    return schema


def paginated(name: str, item: type[Schema] | fields.Field, **extra: fields.Field) -> type[Schema]:
    """The seed's PaginationResponse of `item`s (`api.pagination.paginated_page` fills it)."""
    items: fields.Field = fields.Nested(item) if isinstance(item, type) else item
    return Schema.from_dict(
        {
            "data": fields.List(items, required=True),
            "current_page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "total_pages": fields.Integer(required=True),
            "total_items": fields.Integer(required=True),
            "has_next_page": fields.Boolean(required=True),
            "has_prev_page": fields.Boolean(required=True),
            **extra,
        },
        name=name,
    )


def page_envelope(name: str, item: type[Schema], **extra: fields.Field) -> type[Schema]:
    """The envelope around a page of `item`s: `ThingPage` inside `ThingPageEnvelope`."""
    return envelope(f"{name}Envelope", fields.Nested(paginated(name, item, **extra), required=True))


def schema(name: str, **declared: fields.Field | Any) -> type[Schema]:
    """A named schema from fields (for small payloads declared beside their view)."""
    return Schema.from_dict(declared, name=name)


EmptyEnvelope = envelope("EmptyEnvelope")
