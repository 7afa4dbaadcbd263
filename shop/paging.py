"""One page of a listing, and the one rule for page numbers, shared by every domain and door.

Every service that lists things returns a `Page`; the doors render it (the pager macro in
templates/_macros.html, `api.pagination.paginated_page` for the API) and never work out page
counts themselves. Page numbers come from the query string through `parse_page`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.errors import ShopError
from shop.extensions import db

T = TypeVar("T")

# No listing has a million pages; a larger number is a typed or forged URL, and it must never
# reach SQL as an OFFSET (9223372036854775807 * 24 overflows PostgreSQL's bigint).
MAX_PAGE = 10**6


class BadPage(ShopError):
    """A page number that is not a whole number from 1 to MAX_PAGE. The pages answer 400 with
    this message, the API 422 with its envelope."""

    status = 400
    code = "bad_page"
    default_message = _l("There is no such page. Page numbers are whole numbers from 1.")


def parse_page(raw: str | None) -> int:
    """A page number from the query string: absent or empty is page 1; anything but a whole
    number from 1 to MAX_PAGE raises BadPage (rather than quietly showing page 1, which would
    hide a broken link and let two URLs show the same page)."""
    if raw is None or raw == "":
        return 1
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_PAGE)):
        raise BadPage(field="page")
    number = int(text)
    if not 1 <= number <= MAX_PAGE:
        raise BadPage(field="page")
    return number


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing: its items, where it is, and how many items there are in all."""

    items: list[T]
    page: int
    per_page: int
    total: int
    # A catalog search matching more than RANK_LIMIT products gets the planner's estimate of the
    # total, corrected by what the page finds (README "Catalog and search").
    estimated: bool = False
    # A catalog listing offers its first `listed_limit` items only (shop.catalog.services.LISTED_LIMIT).
    listed_limit: int | None = None

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1: an empty listing has one empty page), at most
        those `listed_limit` fills."""
        pages = max(1, -(-self.total // self.per_page)) if self.per_page > 0 else 1
        if self.listed_limit is not None and self.per_page > 0:
            pages = min(pages, max(1, self.listed_limit // self.per_page))
        return pages

    @property
    def is_capped(self) -> bool:
        """More items than the pages offered show (`listed_limit`): narrow the listing to see them."""
        return self.listed_limit is not None and self.pages * self.per_page < self.total

    @property
    def approximate_total(self) -> int:
        """An estimated total as shown: rounded down to thousands from 10,000, to hundreds from
        1,000, to tens from 100."""
        for step in (1000, 100, 10):
            if self.total >= step * 10:
                return self.total // step * step
        return self.total

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def is_past_the_end(self) -> bool:
        """A page number beyond the last page (page 1 of nothing is not past the end)."""
        return self.page > self.pages


def paginate(query: sa.Select, *, page: int, per_page: int, options: Sequence[Any] = ()) -> Page[Any]:
    """One page of what `query` selects (in its order), and how many rows it selects in all.
    `options` (loader options) apply to the page's rows only, not to the count."""
    page = min(max(1, page), MAX_PAGE)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.scalars(query.options(*options).offset((page - 1) * per_page).limit(per_page))
    return Page(list(rows), page, per_page, total)
