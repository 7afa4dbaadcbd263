"""Catalog rules used by every door: listings, filters and sorts, product pages, ratings, caches.

Only `active` products are public. Listings read ids, filters and sort keys from the covering
index idx_products_listing, then load the page's products by id.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, TypedDict, cast

import sqlalchemy as sa
from cachelib.redis import RedisCache
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import load_only, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import ClauseElement, Executable

from shop.catalog import facets, search
from shop.catalog.models import (
    Category,
    Product,
    ProductStatus,
    ProductVariant,
    SkinType,
    in_stock_condition,
    on_sale_condition,
    product_categories,
)
from shop.errors import ShopError
from shop.extensions import cache, db
from shop.infra import generations
from shop.infra.transactions import rows_changed
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.paging import MAX_PAGE, Page, paginate
from shop.reviews.models import RATINGS_BEST_FIRST, Review, ReviewStatus

log = logging.getLogger("shop.catalog")

PUBLIC = Product.status == ProductStatus.ACTIVE
PER_PAGE = 24
# A search matching more products than this is shown newest first: ranking them all would cost
# more than it tells (a word in most products' text, like "skin").
RANK_LIMIT = 10_000
# A filtered listing with fewer matches than this is sorted after filtering; a larger one is read
# in its sort index's order until the page is full (matches are then dense enough to find soon).
SORT_AFTER_FILTER_BELOW = 5_000
# A listing with several filters is counted up to this many matches; more are "about" N.
COUNT_LIMIT = 10_000
# A listing with several filters is walked in its sort index's order (migration 0018: the index
# carries the filter columns) when the planner expects the page to be full within this many
# entries; its total is then "about" the planner's estimate. Reading its matches to count them
# cost 200-400 ms at a million products; a walk of this many entries 10-30 ms.
WALK_BUDGET = 50_000
# ...and when the shop lists more products than this: at 100,000 counting the matches costs
# 10-20 ms (queries p95 22.5 ms), and the walks that do not fill their page cost more (30.8).
WALK_ABOVE = 200_000
# Listings and searches offer their first LISTED_LIMIT products, page by page; past them the
# shopper narrows the list (filters, a sort, a search), as Shopify's storefronts do past 25,000.
# Page n of a category is a walk of n pages of its products: at a million products, page 2,291
# of a category of 66,000 took 250-700 ms; page 50 about 30 ms. The sitemap lists every
# product for search engines.
LISTED_LIMIT = 1_200
RELATED_LIMIT = 8

# What a product card or a listing row needs; the long text stays in the database.
CARD_COLUMNS = (
    Product.id,
    Product.slug,
    Product.sku,
    Product.name_en,
    Product.name_kh,
    Product.brand,
    Product.short_description,
    Product.price,
    Product.price_max,
    Product.compare_at_price,
    Product.stock,
    Product.track_inventory,
    Product.allow_backorders,
    Product.skin_type,
    Product.skin_concerns,
    Product.category,
    Product.image_url,
    Product.is_featured,
    Product.rating_avg,
    Product.rating_count,
    Product.size,
    Product.created_at,
    Product.updated_at,
)


class SortKey(enum.StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    RATING = "rating"
    BEST_SELLING = "best_selling"


def _order(sort: SortKey | None, columns: Any = Product) -> Sequence[sa.UnaryExpression[Any]]:
    """The ORDER BY of a sort (newest first by default), over `columns` (Product, or
    product_facets.c)."""
    c = columns  # only the sort's own columns are read: a subquery may carry no others
    if sort == SortKey.PRICE_ASC:
        return (c.price.asc(), c.id.asc())
    if sort == SortKey.PRICE_DESC:
        return (c.price.desc(), c.id.desc())
    if sort == SortKey.RATING:
        return (c.rating_avg.desc(), c.rating_count.desc(), c.id.desc())
    if sort == SortKey.BEST_SELLING:
        return (c.units_sold.desc(), c.id.desc())
    return (c.created_at.desc(), c.id.desc())


@dataclass(frozen=True)
class ProductFilters:
    """What a shopper narrowed a listing to. Empty means everything public."""

    query: str = ""
    category: Category | None = None
    skin_type: SkinType | None = None
    concerns: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool = False
    on_sale: bool = False

    @property
    def is_filtered(self) -> bool:
        return self != ProductFilters(category=self.category)


# ---------------------------------------------------------------- categories


@dataclass
class CategoryTree:
    """The active categories, loaded once, with their tree."""

    categories: list[Category]
    by_id: dict[int, Category] = field(init=False)
    by_slug: dict[str, Category] = field(init=False)
    _children: dict[int | None, list[Category]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.categories}
        self.by_slug = {c.slug: c for c in self.categories}
        self._children = {}
        for category in self.categories:
            parent = category.parent_id if category.parent_id in self.by_id else None
            self._children.setdefault(parent, []).append(category)

    @property
    def roots(self) -> list[Category]:
        return self._children.get(None, [])

    def children(self, category: Category) -> list[Category]:
        return self._children.get(category.id, [])

    def trail(self, category: Category) -> list[Category]:
        """The root first, `category` last."""
        trail, seen = [], set()
        current: Category | None = category
        while current is not None and current.id not in seen:
            trail.append(current)
            seen.add(current.id)
            current = self.by_id.get(current.parent_id) if current.parent_id else None
        return trail[::-1]

    def subtree_ids(self, category: Category) -> list[int]:
        """`category` and all its descendants."""
        ids, stack = [], [category]
        while stack:
            current = stack.pop()
            if current.id in ids:
                continue
            ids.append(current.id)
            stack.extend(self.children(current))
        return ids


def category_tree() -> CategoryTree:
    """Every active category, in display order."""
    query = sa.select(Category).where(Category.is_active).order_by(Category.sort_order, Category.name, Category.id)
    return CategoryTree(list(db.session.scalars(query)))


def top_categories() -> list[Category]:
    """Active root categories, in display order."""
    return category_tree().roots


def get_category(slug: str) -> Category | None:
    """An active category by slug."""
    return db.session.scalar(sa.select(Category).where(Category.slug == slug, Category.is_active))


# ---------------------------------------------------------------- listings


def list_products(
    filters: ProductFilters = ProductFilters(),
    *,
    sort: SortKey | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    tree: CategoryTree | None = None,
    with_total: bool = True,
    text: search.TextSearch | None = None,
) -> Page:
    """Public products matching `filters`, one page of them, in `sort` order (see
    `listing_ids`, which finds them)."""
    found = listing_ids(filters, sort=sort, page=page, per_page=per_page, tree=tree, with_total=with_total, text=text)
    return found.products()


@dataclass(frozen=True)
class ListingIds:
    """One page of a listing as ids, in order, with the listing's total: what every shopper
    asking the same listing sees alike (the storefront keeps it, shop.catalog.listing_cache)."""

    ids: tuple[int, ...]
    page: int
    per_page: int
    total: int
    estimated: bool = False

    @property
    def is_past_the_end(self) -> bool:
        return self._page([]).is_past_the_end

    def _page(self, items: list) -> Page:
        return Page(items, self.page, self.per_page, self.total, self.estimated, listed_limit=LISTED_LIMIT)

    def products(self) -> Page:
        """The page with its products loaded (for cards), as they are now."""
        return self._page(products_by_ids(self.ids, public_only=True))

    def rows(self, fields: Sequence[str]) -> Page:
        """The page with these fields of its products (rows, not ORM objects: a storefront card
        needs a dozen columns, and loading 24 Products was a fifth of a warm listing's time),
        as they are now, those no longer public left out."""
        if not self.ids:
            return self._page([])
        query = sa.select(*(getattr(Product, name) for name in fields)).where(Product.id.in_(self.ids), PUBLIC)
        by_id = {row.id: row for row in db.session.execute(query)}
        return self._page([by_id[i] for i in self.ids if i in by_id])


def listing_ids(
    filters: ProductFilters = ProductFilters(),
    *,
    sort: SortKey | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    tree: CategoryTree | None = None,
    with_total: bool = True,
    text: search.TextSearch | None = None,
) -> ListingIds:
    """The ids of the public products matching `filters`, one page of them, in `sort` order.

    `text` is `filters.query` already parsed (`parse_query`), when the caller wants to read its
    spelling corrections afterwards (`TextSearch.corrected`) without a second typo lookup.

    The default order is relevance (best rank, then the most recently added) when there is a
    search query, else newest first. Relevance without a query is newest first; with more than
    RANK_LIMIT matches (or as many expected by the planner: see `TextSearch.for_estimate`), the
    most recently added first. A query with nothing to search for (only punctuation) is ignored.
    A page past the end is empty.

    Totals on PostgreSQL: past RANK_LIMIT matches, a search or a listing narrowed by one filter
    gets the planner's estimate ("about N": counting 90,000 search documents takes a second),
    corrected by what the page finds (`_estimated_page`).
    Large listings (no search) walk the sort index that carries the filters (facets.COVERED_WALK).
    A listing with several filters whose page the planner expects within WALK_BUDGET entries of
    that walk is walked too, its total "about" the estimate (counting it read every match: 200-400
    ms at a million products). Other searches, and filtered listings with few matches, are
    counted and sorted in the same query (`_counted_page`). Other listings are counted up to
    COUNT_LIMIT matches; past it the total is "about" the planner's estimate (at least
    COUNT_LIMIT + 1), corrected by the page.

    Only the first LISTED_LIMIT products are offered page by page: a later page is past the end
    (its total that of the last page offered).
    """
    page = min(max(1, page), MAX_PAGE)
    last = listed_pages(per_page)
    if page > last:
        # Past the pages offered: empty, with the listing's total as its last page says it.
        offered = listing_ids(
            filters, sort=sort, page=last, per_page=per_page, tree=tree, with_total=with_total, text=text
        )
        return replace(offered, ids=(), page=page)
    columns = _listing_columns()
    conditions = _conditions(filters, tree, columns)
    ids = sa.select(columns.id).where(*conditions)
    if columns is Product:
        ids = ids.where(PUBLIC)
    order = _order(sort, columns)
    if text is None:
        text = search.parse(filters.query)
    by_relevance = text is not None and sort in (None, SortKey.RELEVANCE)
    if text is not None:
        ids, relevance, newest = text.apply(ids, id_column=columns.id, standalone=by_relevance and not conditions)
        if by_relevance:
            order = relevance
    offset = (page - 1) * per_page
    if with_total and db.engine.dialect.name == "postgresql":
        estimate = _planner_rows(ids if text is None else text.for_estimate(ids))
        # The planner knows one filter's selectivity well (within a few per cent at 100k
        # products), not a combination's: several filters are always counted.
        trusted = text is not None or len(conditions) <= 1 and filters == ProductFilters(category=filters.category)
        if trusted and estimate > RANK_LIMIT:
            if by_relevance:
                order = newest  # relevance cannot tell most of the catalogue apart; ranking it all is slow
            elif text is None:
                ids = ids.where(facets.COVERED_WALK)  # a large listing: walk its sort index in order
            return _estimated_page(ids, order, estimate, page=page, per_page=per_page)
        if text is None and conditions and _short_walk(estimate, offset + per_page + 1):
            # Several filters, and matches dense enough in the sort order to fill the page soon:
            # walk the sort index that carries the filters instead of reading every match.
            walked = _walked_page(filters, tree, sort, offset=offset, per_page=per_page)
            if walked is not None:
                total = max(estimate, offset + per_page + 1)
                return ListingIds(tuple(walked[:per_page]), page, per_page, total, estimated=True)
        if text is not None and by_relevance and not conditions and estimate <= RANK_LIMIT:
            dense = text.dense_estimate(RANK_LIMIT)
            if dense is not None and dense > RANK_LIMIT:
                # Words that go together, in more products than the planner thought: newest first.
                return _estimated_page(text.newest_walk(), newest, dense, page=page, per_page=per_page)
        if text is not None or conditions and estimate < SORT_AFTER_FILTER_BELOW:
            # Few matches (or a search, which reads every match to rank it anyway): count and
            # sort them in one pass instead of two.
            rank_limit = RANK_LIMIT if by_relevance else None
            page_ids, total = _counted_page(ids, order, offset=offset, limit=per_page, rank_limit=rank_limit)
            return ListingIds(tuple(page_ids), page, per_page, total)
    if with_total and db.engine.dialect.name == "postgresql":
        # Several filters with many matches: counted up to COUNT_LIMIT, past it "about" the
        # planner's figure (counting 400,000 of a million products took 150-400 ms).
        total = _count(ids.limit(COUNT_LIMIT + 1))
        if total > COUNT_LIMIT:
            return _estimated_page(ids, order, max(estimate, total), page=page, per_page=per_page)
    else:
        total = _count(ids) if with_total else -1
    if with_total and offset >= total:
        return ListingIds((), page, per_page, total)
    if by_relevance and _more_than(ids, RANK_LIMIT, total):
        order = newest  # relevance cannot tell most of the catalogue apart; ranking it all is slow
    elif conditions and not by_relevance and 0 <= total < SORT_AFTER_FILTER_BELOW:
        order = _not_by_index(order)
    found = tuple(db.session.scalars(ids.order_by(*order).offset(offset).limit(per_page)))
    return ListingIds(found, page, per_page, total if with_total else len(found))


def listed_pages(per_page: int = PER_PAGE) -> int:
    """How many pages any listing or search offers at most (see LISTED_LIMIT)."""
    return max(1, LISTED_LIMIT // per_page)


def _short_walk(estimate: int, rows: int) -> bool:
    """Whether walking product_facets (more than WALK_ABOVE rows) in a sort order finds `rows` of
    `estimate` matches within WALK_BUDGET entries, the matches spread evenly (the planner's view)."""
    if estimate <= 0:
        return False
    listed = float(
        db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE oid = 'product_facets'::regclass")) or 0
    )
    return listed > WALK_ABOVE and rows * max(listed, float(estimate)) / estimate <= WALK_BUDGET


# What the walk indexes (migration 0018) carry besides their keys: what the filters read.
WALKED_COLUMNS = (
    "id",
    "category_ids",
    "skin_type",
    "skin_concerns",
    "price",
    "compare_at_price",
    "stock",
    "track_inventory",
    "allow_backorders",
)


def _walked_page(
    filters: ProductFilters, tree: CategoryTree | None, sort: SortKey | None, *, offset: int, per_page: int
) -> list[int] | None:
    """The ids of a page of a filtered listing and one more, found among the first WALK_BUDGET
    entries of its sort index (facets.COVERED_WALK), or None when they are not all there.

    The walk is bounded because the planner's estimate of several filters can be far too high:
    it takes them for independent, and "moisturisers for puffiness" (996 expected) has no
    product at all, so an open walk read all 950,000 entries (450 ms) to find nothing, where
    counting the categories' and concerns' GIN bitmaps takes 13 ms. A page not found within the
    budget is counted instead (exactly)."""
    c = facets.product_facets.c
    keys = [cast(sa.ColumnClause, key.element).name for key in _order(sort, c)]
    walk = (
        sa.select(*(c[name] for name in dict.fromkeys([*keys, *WALKED_COLUMNS])))
        .where(facets.COVERED_WALK)
        .order_by(*_order(sort, c))
        .limit(WALK_BUDGET)
        .subquery("walk")
    )
    found = (
        sa.select(walk.c.id)
        .where(*_conditions(filters, tree, walk.c))
        .order_by(*_order(sort, walk.c))
        .offset(offset)
        .limit(per_page + 1)
    )
    ids = list(db.session.scalars(found))
    return ids if len(ids) > per_page else None


def _estimated_page(
    ids: sa.Select, order: Sequence[sa.ColumnElement], estimate: int, *, page: int, per_page: int
) -> ListingIds:
    """A page of a listing too large to count, its total the planner's estimate corrected by what
    the page finds.

    The estimate can be a quarter off either way ("face": 50,739 for 69,742 products). One row
    more than the page is read: when it exists, the total is at least this page's end plus one
    (so "next" is offered); when the page is the last, the total is exact; past the end, it is
    at most this page's start (so the page is past the end). A total of the estimate alone cut
    the listing short, or offered empty pages.
    """
    offset = (page - 1) * per_page
    page_ids = list(db.session.scalars(ids.order_by(*order).offset(offset).limit(per_page + 1)))
    if len(page_ids) > per_page:
        page_ids = page_ids[:per_page]
        total, estimated = max(estimate, offset + per_page + 1), True
    elif page_ids or page == 1:
        total, estimated = offset + len(page_ids), False
    else:
        total, estimated = min(estimate, offset), True
    return ListingIds(tuple(page_ids), page, per_page, total, estimated)


def _counted_page(
    ids: sa.Select, order: Sequence[sa.UnaryExpression[Any]], *, offset: int, limit: int, rank_limit: int | None = None
) -> tuple[list[int], int]:
    """One page of what `ids` selects, in `order`, and how many rows it selects, in one query
    (PostgreSQL).

    The matches are read once, with their sort keys, into a CTE (read twice, so PostgreSQL
    materializes it); the page is sorted out of it and the count taken from it. A second query
    would read every match again: for a search, that is where the time goes (each match is a
    visit to the heap). A window `count(*) OVER ()` does the same in one query but costs more
    than the second one saves.

    With `rank_limit`, `order` is a relevance order (its first key the rank, the rest the
    newest-first order): past `rank_limit` matches, the rank is ignored (see RANK_LIMIT).
    """
    keys = [key.element.label(f"sort_{n}") for n, key in enumerate(order)]
    matches = ids.add_columns(*keys).cte("matches")
    match_id = next(iter(matches.c))
    counted = sa.select(sa.func.count().label("total")).select_from(matches).subquery("counted")
    ordered = []
    for n, key in enumerate(order):
        column: sa.ColumnElement = matches.c[f"sort_{n}"]
        if n == 0 and rank_limit is not None:
            column = sa.case((counted.c.total > rank_limit, None), else_=column)
        ordered.append(_directed_like(key, column))
    page = sa.select(match_id.label("id")).order_by(*ordered).offset(offset).limit(limit).lateral("page")
    rows = db.session.execute(
        sa.select(counted.c.total, page.c.id).select_from(counted.outerjoin(page, sa.true()))
    ).all()
    return [row.id for row in rows if row.id is not None], rows[0].total


def _not_by_index(order: Sequence[sa.UnaryExpression[Any]]) -> list[sa.UnaryExpression[Any]]:
    """The same order, in a form no index serves.

    PostgreSQL walks a sort index (price, newest...) and filters as it goes, expecting to fill a
    page soon; with few, scattered matches it reads most of the index (hundreds of ms at 100k
    products). Sorting the few matches after filtering them takes a few ms.
    """
    first, *rest = order
    column = first.element
    return [_directed_like(first, sa.func.coalesce(column, column)), *rest]


def _directed_like(key: sa.UnaryExpression, expression: sa.ColumnElement) -> sa.UnaryExpression:
    """`expression`, ascending or descending as `key` is."""
    return expression.desc() if key.modifier is operators.desc_op else expression.asc()


def _count(ids: sa.Select) -> int:
    """How many rows `ids` selects."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids.subquery())) or 0


class _Explain(Executable, ClauseElement):
    """EXPLAIN (FORMAT JSON) of a select, with its parameters bound as the select's own."""

    inherit_cache = False

    def __init__(self, statement: sa.Select) -> None:
        self.statement = statement


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler, **kw) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def _planner_rows(stmt: sa.Select) -> int:
    plan = db.session.execute(_Explain(stmt)).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])


def _more_than(ids: sa.Select, limit: int, total: int) -> bool:
    if total >= 0:
        return total > limit
    bounded = sa.select(sa.func.count()).select_from(ids.limit(limit + 1).subquery())
    return (db.session.scalar(bounded) or 0) > limit


def _listing_columns() -> Any:
    """Where listings read: product_facets on PostgreSQL (only public products), else products."""
    return facets.product_facets.c if db.engine.dialect.name == "postgresql" else Product


def _conditions(filters: ProductFilters, tree: CategoryTree | None, columns: Any = Product) -> list[sa.ColumnElement]:
    c = columns
    conditions: list[sa.ColumnElement] = []
    if filters.category is not None:
        ids = (tree or category_tree()).subtree_ids(filters.category)
        if c is Product:
            linked = sa.select(product_categories.c.product_id).where(product_categories.c.category_id.in_(ids))
            conditions.append(Product.id.in_(linked))
        else:
            conditions.append(facets.in_categories(ids, c.category_ids))
    if filters.skin_type is not None:
        conditions.append(suits_skin_type(filters.skin_type, c))
    if filters.concerns:
        conditions.append(has_any_concern(filters.concerns, c))
    if filters.min_price is not None:
        conditions.append(c.price >= filters.min_price)
    if filters.max_price is not None:
        conditions.append(c.price <= filters.max_price)
    if filters.in_stock:
        conditions.append(in_stock_condition(c))
    if filters.on_sale:
        conditions.append(on_sale_condition(c))
    return conditions


def suits_skin_type(skin_type: SkinType, columns: Any = Product) -> sa.ColumnElement[bool]:
    """Products for that skin type, and products for every skin type ("all" means only those)."""
    if skin_type == SkinType.ALL:
        return columns.skin_type == SkinType.ALL
    return columns.skin_type.in_([skin_type, SkinType.ALL])


def has_any_concern(codes: Sequence[str], columns: Any = Product) -> sa.ColumnElement[bool]:
    """Products (or `columns` of a subquery) with at least one of these skin concerns; the
    skin and recommendation pages ask it too."""
    if db.engine.dialect.name == "postgresql":
        return columns.skin_concerns.op("&&")(sa.literal(list(codes), type_=postgresql.ARRAY(sa.Text)))
    each = sa.func.json_each(columns.skin_concerns).table_valued("value")
    return sa.exists(sa.select(1).select_from(each).where(each.c.value.in_(list(codes))))


def products_by_ids(ids: Sequence[int], *, public_only: bool = False) -> list[Product]:
    """Products for cards, in the order of `ids` (with `public_only`, those still public)."""
    if not ids:
        return []
    query = sa.select(Product).options(load_only(*CARD_COLUMNS)).where(Product.id.in_(ids))
    rows = db.session.scalars(query.where(PUBLIC) if public_only else query)
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def _cards(query: sa.Select, limit: int) -> list[Product]:
    return list(db.session.scalars(query.options(load_only(*CARD_COLUMNS)).limit(limit)))


def featured_products(limit: int = 8) -> list[Product]:
    """Active featured products, newest first."""
    query = sa.select(Product).where(PUBLIC, Product.is_featured)
    return _cards(query.order_by(Product.created_at.desc(), Product.id.desc()), limit)


def new_arrivals(limit: int = 8) -> list[Product]:
    """The most recently added active products."""
    return _cards(sa.select(Product).where(PUBLIC).order_by(*_order(SortKey.NEWEST)), limit)


def best_sellers(limit: int = 8) -> list[Product]:
    """Active products that sold, most units first (orders not cancelled or refunded)."""
    query = sa.select(Product).where(PUBLIC, Product.units_sold > 0).order_by(*_order(SortKey.BEST_SELLING))
    return _cards(query, limit)


def parse_query(query: str) -> search.TextSearch | None:
    """A shopper's query parsed for `list_products` (None when it has nothing to search for)."""
    return search.parse(query)


def suggest(query: str, *, limit: int = 6) -> Suggestions:
    """Search-as-you-type: the best matching products, categories and skin concerns."""
    text = search.normalize(query).strip()
    if not search.tokenize(text):
        return Suggestions(query, [], [], [])
    products = list_products(ProductFilters(query=text), per_page=limit, with_total=False).items
    categories = [
        c for c in category_tree().categories if text in search.normalize(c.name) or text in search.normalize(c.name_kh)
    ][:limit]
    concerns = [code for token in search.tokenize(text) for code in search.concern_codes_for(token.text)]
    return Suggestions(query, products, categories, list(dict.fromkeys(concerns))[:limit])


@dataclass(frozen=True)
class Suggestions:
    query: str
    products: list[Product]
    categories: list[Category]
    concerns: list[str]

    @property
    def is_empty(self) -> bool:
        return not (self.products or self.categories or self.concerns)


# ---------------------------------------------------------------- product pages


def get_public_product(slug: str) -> Product | None:
    """An active product by slug, with its images and categories loaded."""
    return _public_product(Product.slug == slug)


def get_public_product_by_id(product_id: int) -> Product | None:
    """An active product by id, with its images and categories loaded."""
    return _public_product(Product.id == product_id)


def _public_product(condition: sa.ColumnElement[bool]) -> Product | None:
    query = (
        sa.select(Product)
        .where(condition, PUBLIC)
        .options(selectinload(Product.images), selectinload(Product.categories))
    )
    return db.session.scalar(query)


@dataclass(frozen=True)
class PageState:
    """What a product page shows of the product's own rows, read on every request: the page's
    shared parts are kept per state (storefront.product_page), so a price, a stock level or an
    edit of the product or one of its variants shows at once without any invalidation."""

    product_id: int
    category: str
    variant_ids: tuple[int, ...]  # active variants, in the staff's order
    default_variant_id: int | None
    version: tuple  # every column read, product first: equal versions draw equal pages


def product_page_state(slug: str) -> PageState | None:
    """The state of a public product's page (None when no public product has this slug): one
    indexed query, instead of the dozen the page itself takes."""
    rows = db.session.execute(
        sa.select(
            Product.id,
            Product.category,
            Product.updated_at,
            Product.price,
            Product.compare_at_price,
            Product.stock,
            Product.track_inventory,
            Product.allow_backorders,
            ProductVariant.id,
            ProductVariant.is_default,
            ProductVariant.updated_at,
            ProductVariant.price,
            ProductVariant.compare_at_price,
            ProductVariant.stock,
            ProductVariant.track_stock,
            ProductVariant.allow_backorder,
        )
        .outerjoin(
            ProductVariant, sa.and_(ProductVariant.product_id == Product.id, ProductVariant.archived_at.is_(None))
        )
        .where(Product.slug == slug, PUBLIC)
        .order_by(ProductVariant.position, ProductVariant.id)
    ).all()
    if not rows:
        return None
    variants = [row[8:] for row in rows if row[8] is not None]
    return PageState(
        product_id=rows[0][0],
        category=rows[0][1],
        variant_ids=tuple(v[0] for v in variants),
        default_variant_id=next((v[0] for v in variants if v[1]), None),
        version=(tuple(rows[0][:8]), *(tuple(v) for v in variants)),
    )


def public_product_id(product_id: int) -> int | None:
    """The id, when that product is public."""
    return db.session.scalar(sa.select(Product.id).where(Product.id == product_id, PUBLIC))


@dataclass(frozen=True)
class RatingSummary:
    average: Decimal
    count: int
    distribution: dict[int, int]  # stars (best first) -> approved reviews

    def share(self, stars: int) -> int:
        """The percentage of reviews with that many stars."""
        return round(100 * self.distribution.get(stars, 0) / self.count) if self.count else 0


def rating_summary(product_id: int) -> RatingSummary:
    """The approved reviews' average (2 decimals, half up), count and star distribution."""
    rows = db.session.execute(
        sa.select(Review.rating, sa.func.count())
        .where(Review.product_id == product_id, Review.status == ReviewStatus.APPROVED)
        .group_by(Review.rating)
    ).all()
    distribution = dict.fromkeys(RATINGS_BEST_FIRST, 0)
    distribution.update({rating: count for rating, count in rows})
    count = sum(distribution.values())
    total = sum(stars * n for stars, n in distribution.items())
    average = (Decimal(total) / count).quantize(Decimal("0.01"), "ROUND_HALF_UP") if count else Decimal("0.00")
    return RatingSummary(average, count, distribution)


# How the reviews of a product can be read: the newest first, or the most helpful first (the
# helpful votes of migration 0008; newest first among equal counts).
REVIEW_SORTS = ("newest", "helpful")
REVIEW_SORT_LABELS = {"newest": _l("Newest"), "helpful": _l("Most helpful")}


def approved_reviews(product_id: int, *, page: int = 1, per_page: int = 10, sort: str = "newest") -> Page:
    """A product's approved reviews, newest first or most helpful first (`sort`); an unknown
    sort is refused, so every door answers it with its own 4xx."""
    if sort not in REVIEW_SORTS:
        raise ShopError(_l("Sort the reviews by newest or most helpful."), field="sort")
    order: list[sa.ColumnElement[Any]] = [Review.created_at.desc(), Review.id.desc()]
    if sort == "helpful":
        order.insert(0, Review.helpful_count.desc())
    query = (
        sa.select(Review)
        .where(Review.product_id == product_id, Review.status == ReviewStatus.APPROVED)
        .order_by(*order)
    )
    return paginate(query, page=page, per_page=per_page)


def related_products(product: Product, limit: int = RELATED_LIMIT) -> list[Product]:
    """Public products of the same primary category, those sharing a skin concern first,
    then the best selling."""
    shares_concern = has_any_concern(product.skin_concerns) if product.skin_concerns else sa.false()
    query = (
        sa.select(Product)
        .where(PUBLIC, Product.category == product.category, Product.id != product.id)
        .order_by(sa.case((shares_concern, 0), else_=1), Product.units_sold.desc(), Product.id.desc())
    )
    return _cards(query, limit)


# ---------------------------------------------------------------- sitemap

SITEMAP_URLS_PER_FILE = 10_000


def sitemap_product_parts() -> list[int]:
    """The numbers of the product sitemap files that list something. File n lists the public
    products with ids in ((n - 1) * SITEMAP_URLS_PER_FILE, n * SITEMAP_URLS_PER_FILE], so any file
    is read by the primary key however deep it is (an OFFSET read every product before it: 950,000
    rows for the last file of a million products). Found with one probe of the primary key per
    file (a recursive query), not by counting the products."""
    size = SITEMAP_URLS_PER_FILE
    query = sa.text(
        "WITH RECURSIVE parts(part) AS ("
        " SELECT (SELECT (min(id) - 1) / :size + 1 FROM products WHERE status = :public)"
        " UNION ALL"
        " SELECT (SELECT (min(p.id) - 1) / :size + 1 FROM products p"
        "  WHERE p.status = :public AND p.id > parts.part * :size)"
        " FROM parts WHERE parts.part IS NOT NULL"
        ") SELECT part FROM parts WHERE part IS NOT NULL"
    )
    return [int(part) for part in db.session.scalars(query, {"size": size, "public": ProductStatus.ACTIVE.value})]


def sitemap_products(part: int) -> list[sa.Row]:
    """(slug, updated_at) of one file's public products, by id (see sitemap_product_parts)."""
    query = (
        sa.select(Product.slug, Product.updated_at)
        .where(PUBLIC, Product.id > (part - 1) * SITEMAP_URLS_PER_FILE, Product.id <= part * SITEMAP_URLS_PER_FILE)
        .order_by(Product.id)
    )
    return list(db.session.execute(query))


# ---------------------------------------------------------------- counters


def refresh_product_stats(product_ids: Iterable[int] | None = None) -> int:
    """Recompute rating_avg / rating_count (approved reviews) and units_sold (orders not
    cancelled or refunded) for these products, or all. Only rows that change are written.
    The caller commits. Call it when reviews are moderated and orders placed or cancelled."""
    approved = sa.and_(Review.product_id == Product.id, Review.status == ReviewStatus.APPROVED)
    average = sa.func.coalesce(
        sa.select(sa.func.round(sa.func.avg(Review.rating), 2)).where(approved).scalar_subquery(), 0
    )
    count = sa.select(sa.func.count()).where(approved).scalar_subquery()
    sold = sa.func.coalesce(
        sa.select(sa.func.sum(OrderItem.quantity))
        .join(Order, Order.id == OrderItem.order_id)
        .where(OrderItem.product_id == Product.id, Order.status.not_in([OrderStatus.CANCELLED, OrderStatus.REFUNDED]))
        .scalar_subquery(),
        0,
    )
    statement = (
        sa.update(Product)
        .where(
            sa.or_(
                Product.rating_avg != sa.cast(average, Product.rating_avg.type),
                Product.rating_count != count,
                Product.units_sold != sold,
            )
        )
        .values(rating_avg=average, rating_count=count, units_sold=sold)
        .execution_options(synchronize_session=False)
    )
    if product_ids is not None:
        statement = statement.where(Product.id.in_(list(product_ids)))
    return rows_changed(statement)


def rebuild_catalog_indexes() -> tuple[int, int]:
    """After bulk changes (seeding, imports): recount every product, index every stale search
    document, forget every cached catalog entry. Returns (recounted, indexed)."""
    counted = refresh_product_stats()
    db.session.commit()
    indexed = search.reindex_products()
    invalidate_catalog_cache(categories=True)
    return counted, indexed


# ---------------------------------------------------------------- caches

# The seed's Redis keys and TTLs.
LISTING_TTL = 15 * 60
PRODUCT_TTL = 30 * 60
CATEGORIES_TTL = 60 * 60
CATEGORIES_KEY = "api:categories"
# Rendered product pages (for visitors who are not signed in), one per slug and language. They
# show other products (related ones), so any catalog change makes them all stale: each entry
# remembers the catalog generation it was rendered in.
PAGE_TTL = 30 * 60
GENERATION_KEY = "catalog:generation"


def listing_cache_key(page: int, limit: int, category: str | None) -> str:
    return f"api:products:page:{page}:limit:{limit}:category:{category or ''}"


def product_cache_key(product_id: int) -> str:
    return f"api:product:{product_id}"


def page_cache_key(slug: str, locale: str) -> str:
    # The page shows riel at the shop's rate: a new rate is a new page.
    return f"page:product:{slug}:{locale}:{current_app.config['KHR_PER_USD']}"


def catalog_cache_enabled() -> bool:
    """Catalog caching needs a cache every process shares (Redis): with the in-process cache of
    the embedded mode, an edit could not reach the other workers' copies."""
    return generations.shared()


# Each process also keeps the pages it served last (LOCAL_PAGES of them) and reads the catalog
# generation from Redis at most every GENERATION_CHECK seconds: a page served from memory needs no
# round trip, and an edit made in another process reaches this one within that time.
LOCAL_PAGES = 512
GENERATION_CHECK = 1.0


class _LocalPages(TypedDict):
    pages: OrderedDict[Any, Any]
    generation: int
    checked: float


_local: _LocalPages = {"pages": OrderedDict(), "generation": 0, "checked": float("-inf")}
_local_lock = threading.Lock()


def _generation() -> int:
    """The catalog generation: a random start (so an emptied Redis never brings back an old
    number), incremented by every invalidation. CATALOG_GENERATION_CHECK (seconds, default 1;
    0 in tests) is how often a process reads it from Redis."""
    config = current_app.config
    interval = config.get("CATALOG_GENERATION_CHECK", 0.0 if config.get("TESTING") else GENERATION_CHECK)
    now = time.monotonic()
    if now - _local["checked"] >= interval:
        generation = _read_generation()
        with _local_lock:
            _local["generation"], _local["checked"] = generation, now
    return _local["generation"]


def _read_generation() -> Any:  # an int; None when Redis cannot be read
    return generations.read(GENERATION_KEY)


def current_generation() -> int | None:
    """The catalog generation as Redis holds it now (None without a shared cache, or when Redis
    cannot be read): for caches that must show an edit at once in every process, where the
    product pages' copy of it may be a second old."""
    return _read_generation() if catalog_cache_enabled() else None


def cached_page(slug: str, locale: str) -> tuple[dict | None, int]:
    """A rendered product page still valid in the current catalog generation (or None), and
    that generation (store a page rendered now under it)."""
    if not catalog_cache_enabled():
        return None, 0
    generation = _generation()
    if generation is None:  # the cache is unreachable: no page can be known to be current
        return None, 0
    key = page_cache_key(slug, locale)
    with _local_lock:
        entry = _local["pages"].get(key)
        if entry is not None and entry["generation"] == generation:
            _local["pages"].move_to_end(key)
            return entry, generation
    entry = cache.get(key)
    if entry is None or entry.get("generation") != generation:
        return None, generation
    _remember(key, entry)
    return entry, generation


def page_generation() -> int:
    """The catalog generation product pages are drawn in (read before drawing one: a page drawn
    while the catalog changed is stale at once); 0 when nothing may be cached (no Redis, or
    Redis unreachable: no page can be known to be current)."""
    if not catalog_cache_enabled():
        return 0
    return _generation() or 0


def store_page(slug: str, locale: str, entry: dict, generation: int) -> None:
    """Remember a rendered page (a dict: etag, last_modified, html) rendered in `generation`,
    read before rendering: a page rendered while the catalog changed is stale at once."""
    if catalog_cache_enabled() and generation:
        key = page_cache_key(slug, locale)
        entry = {**entry, "generation": generation}
        cache.set(key, entry, timeout=PAGE_TTL)
        _remember(key, entry)


def _remember(key: str, entry: dict) -> None:
    with _local_lock:
        pages = _local["pages"]
        pages[key] = entry
        pages.move_to_end(key)
        while len(pages) > LOCAL_PAGES:
            pages.popitem(last=False)


def invalidate_catalog_cache(*, product_ids: Iterable[int] = (), categories: bool = False) -> None:
    """Forget what the caches hold about changed products or categories. Call after commit.

    Rebuilds the search documents of `product_ids`, drops their api:product:{id} entries and
    every api:products:* listing, and starts a new page generation. With `categories`, also
    drops api:categories and every api:product:* entry (they name their categories).
    """
    ids = sorted(set(product_ids))
    if ids:
        search.reindex_products(ids)
    if not catalog_cache_enabled():
        return
    if ids:
        cache.delete_many(*(product_cache_key(i) for i in ids))
    _delete_matching("api:products:*")
    if categories:
        cache.delete(CATEGORIES_KEY)
        _delete_matching("api:product:*")
    _next_generation()


def invalidate_product_pages() -> None:
    """Forget the cached product pages only (for what only those pages show, such as a review's
    helpful count): a new page generation. Call after commit."""
    if catalog_cache_enabled():
        _next_generation()


def _next_generation() -> None:
    generations.advance(GENERATION_KEY)
    with _local_lock:
        _local["checked"] = float("-inf")  # this process sees the new generation at once


def _delete_matching(pattern: str) -> None:
    client = cast(RedisCache, cache.cache)._write_client  # cachelib's Redis client; SCAN does not block Redis
    batch = []
    for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 500:
            client.delete(*batch)
            batch.clear()
    if batch:
        client.delete(*batch)
