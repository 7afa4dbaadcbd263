"""The seed's PaginationRequest and PaginationResponse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from api.validation import Range
from shop.paging import MAX_PAGE, BadPage, Page, parse_page
from web.messages import translatable as _m

MAX_LIMIT = 100
# BadPage's message, as a validation message (the same msgid, so one translation).
BAD_PAGE = _m("There is no such page. Page numbers are whole numbers from 1.")


class PageNumber(fields.Integer):
    """`?page=` by the shop's one rule (`shop.paging.parse_page`): 422 when it is bad."""

    def __init__(self, **kwargs: Any) -> None:
        # The Range never refuses anything parse_page let through; it puts the bounds in the OpenAPI document.
        super().__init__(load_default=1, validate=Range(min=1, max=MAX_PAGE), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            return parse_page(value if isinstance(value, str) else str(value))
        except BadPage:
            raise ValidationError(BAD_PAGE) from None


class PaginationQuery(Schema):
    """`?page=1&limit=20&sort=...&order=asc|desc&search=...&category=...&status=...`.

    A limit above 100 is refused (422) rather than silently clamped, as the seed's
    `validate:"min=1,max=100"` says.
    """

    page = PageNumber()
    limit = fields.Integer(load_default=20, validate=Range(min=1, max=MAX_LIMIT))
    sort = fields.String(load_default=None, validate=validate.Length(max=50))
    order = fields.String(
        load_default="desc", validate=validate.OneOf(["asc", "desc"], error=_m("Must be asc or desc."))
    )
    search = fields.String(load_default=None, validate=validate.Length(max=200))
    # A slug here; AdminProductQuery narrows it to a category id.
    category: fields.Field = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.Length(max=30))


def paginated_page(result: Page[Any], serialize: Callable[[Any], Any] = lambda item: item) -> dict[str, Any]:
    """The seed's PaginationResponse for a service's Page: data plus current_page, per_page,
    total_pages, total_items, has_next_page, has_prev_page. The only place they are worked out."""
    return {
        "data": [serialize(item) for item in result.items],
        "current_page": result.page,
        "per_page": result.per_page,
        "total_pages": result.pages,
        "total_items": result.total,
        "has_next_page": result.has_next,
        "has_prev_page": result.has_prev,
    }
