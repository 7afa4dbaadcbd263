"""What every shopper's listing shares, kept per catalog generation in each process.

Everyone who asks for the same listing (the same filters, sort and page: a category, all
products, a search) sees the same products in the same order with the same total. Finding
them was most of a listing's database time: the planner's estimate, the count and the page's
ids, and for a search the typo lookup and the ranking too. So the page's ids, the total and the
search's spelling correction are kept here, and the category tree beside them, under the
catalog generation (shop.catalog.services: every change the shop's services make to products,
categories or stock starts a new one, an order that sells a product out included).

Exact: the generation is read from Redis on every listing (one GET), not from the copy the
product pages check once a second, so an edit made in any process shows in the next listing
of every process. A listing computed while an edit commits is stored under the generation read
before it, which that edit then ends (PostgreSQL reads each statement's committed data, and
the edit moves the generation on after its commit).

What is not kept: the products themselves. The page's cards are read by id for every page
(one query), so a card shows its price and stock as they are now, even for a change that
bypassed the services (and a product no longer public drops out of the page at once).

Without Redis (the embedded default) nothing is kept: an edit made by another process could
not reach this one's copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa

from shop.catalog import services as catalog
from shop.catalog.models import Category
from shop.catalog.services import CategoryTree, ListingIds, ProductFilters, SortKey
from shop.extensions import db

MAX_LISTINGS = 4096  # a few hundred bytes each


@dataclass(frozen=True)
class SharedListing:
    """One page of a listing as every shopper sees it."""

    found: ListingIds
    # The query with its misspelt words replaced ("hyaluronik" -> "hyaluronic"), if any were.
    corrected: str | None = None


_lock = threading.Lock()
_listings: OrderedDict[tuple, SharedListing] = OrderedDict()
_state: dict = {"generation": None, "tree": None}


def _current(generation: int | None) -> None:
    """Forget what an earlier generation kept (called with the lock held)."""
    if generation != _state["generation"]:
        _listings.clear()
        _state["generation"], _state["tree"] = generation, None


def category_tree(generation: int | None = None) -> CategoryTree:
    """The active categories (shop.catalog.services.category_tree), kept for this generation.

    The kept categories are plain copies belonging to no database session, so any thread may
    read them and no commit can expire them; nothing may change them or attach them to a
    session (the staff pages read their own)."""
    if generation is None:
        generation = catalog.current_generation()
    if generation is None:
        return catalog.category_tree()
    with _lock:
        _current(generation)
        tree = _state["tree"]
    if tree is not None:
        return tree
    tree = _detached_tree()
    with _lock:
        _current(generation)
        _state["tree"] = tree
    return tree


def _detached_tree() -> CategoryTree:
    table = Category.__table__
    query = sa.select(*table.c).where(table.c.is_active).order_by(table.c.sort_order, table.c.name, table.c.id)
    return CategoryTree([Category(**row._mapping) for row in db.session.execute(query)])


def shared_listing(
    filters: ProductFilters, *, sort: SortKey | None, page: int, tree: CategoryTree, generation: int | None = None
) -> SharedListing:
    """The page of the listing, found once per catalog generation (see the module docstring).
    `generation` is `current_generation()` when the caller read it already."""
    if generation is None:
        generation = catalog.current_generation()
    key = _key(filters, sort, page)
    if generation is not None:
        with _lock:
            _current(generation)
            kept = _listings.get(key)
            if kept is not None:
                _listings.move_to_end(key)
                return kept
    text = catalog.parse_query(filters.query)
    found = catalog.listing_ids(filters, sort=sort, page=page, tree=tree, text=text)
    listing = SharedListing(found, text.corrected(filters.query) if text is not None else None)
    if generation is not None:
        with _lock:
            _current(generation)
            _listings[key] = listing
            while len(_listings) > MAX_LISTINGS:
                _listings.popitem(last=False)
    return listing


def _key(filters: ProductFilters, sort: SortKey | None, page: int) -> tuple:
    return (
        filters.query,
        filters.category.id if filters.category is not None else None,
        filters.skin_type,
        filters.concerns,
        filters.min_price,
        filters.max_price,
        filters.in_stock,
        filters.on_sale,
        sort,
        page,
    )
