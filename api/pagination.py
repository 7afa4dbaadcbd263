"""The seed's PaginationRequest and PaginationResponse."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from marshmallow import Schema, fields, validate

from api.validation import Range
from web.messages import translatable as _m

MAX_LIMIT = 100


class PaginationQuery(Schema):
    """`?page=1&limit=20&sort=...&order=asc|desc&search=...&category=...&status=...`.

    A limit above 100 is refused (422) rather than silently clamped, as the seed's
    `validate:"min=1,max=100"` says.
    """

    page = fields.Integer(load_default=1, validate=Range(min=1))
    limit = fields.Integer(load_default=20, validate=Range(min=1, max=MAX_LIMIT))
    sort = fields.String(load_default=None, validate=validate.Length(max=50))
    order = fields.String(
        load_default="desc", validate=validate.OneOf(["asc", "desc"], error=_m("Must be asc or desc."))
    )
    search = fields.String(load_default=None, validate=validate.Length(max=200))
    category = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.Length(max=30))


def paginated(
    items: Iterable[Any], *, page: int, per_page: int, total: int, serialize: Callable[[Any], Any] = lambda item: item
) -> dict[str, Any]:
    """The seed's PaginationResponse: data plus current_page, per_page, total_pages, ..."""
    total_pages = max(1, -(-total // per_page)) if per_page else 1
    return {
        "data": [serialize(item) for item in items],
        "current_page": page,
        "per_page": per_page,
        "total_pages": total_pages,
        "total_items": total,
        "has_next_page": page < total_pages,
        "has_prev_page": page > 1,
    }


def paginated_page(result: Any, serialize: Callable[[Any], Any] = lambda item: item) -> dict[str, Any]:
    """`paginated` for a service's Page (items, page, per_page, total)."""
    return paginated(result.items, page=result.page, per_page=result.per_page, total=result.total, serialize=serialize)
