"""Product pages: what is the same for every shopper is drawn once, what is personal per request.

A signed-in shopper's product page took about 30 ms, nearly all of it the same for everyone: the
product and its sizes or shades, the rating summary, the first reviews, "Customers also bought"
and "Similar products" (a query over the product's category) and their cards. Only the header
(base.html, drawn per request), the hearts, the helpful buttons, the "your review" section, the
element ids, the return path and the CSRF token are the shopper's own.

So the shared parts (_product_parts.html: the <head> lines, the main part, the "your review"
section of a shopper without one) are drawn in one render with holes where the personal bits go,
and kept in this process (like the cards, storefront.cards), keyed on:

- the product's state (catalog.product_page_state, one indexed query per request: the product's
  and its variants' prices, stock and update times): an edit, a sale or a restock of the product
  itself is a new key, with nothing to invalidate;
- the size or shade shown (`?variant=`), the language, the riel rate, and whether the shopper is
  signed in (the back-in-stock form asks a visitor for an email, the review section to sign in);
- the catalog generation (catalog.page_generation), started anew by every change to what the
  page shows of anything else: reviews approved, edited or removed, helpful counts, verified
  purchases, categories, images, related products edited, sold out or back in stock, a new
  recommendation model.

Holes (storefront.holes) in the drawn HTML: `csrf` (the token), `next`
(this page, to come back to), `domid:<prefix>-<n>` (an element id unique in the response), `mine`
(the "your review" section) and `slot:<n>`, a choice drawn once per value: a template wraps a
personal piece in `{% call(value) personal(kind, key, value) %}...{% endcall %}` (`saved`: a
heart, `helpful`: a review's helpful button), which draws it for every value of its kind when the
page is drawn for everyone, and for `value` alone otherwise (the reviews page). Entries older than
catalog.PAGE_TTL are drawn again. Without Redis (the embedded default) nothing is kept.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from shop.catalog import services as catalog
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Product
from shop.i18n import current_locale, khr_per_usd, localized
from shop.infra import csrf
from shop.recommendations import serving as recommendations
from shop.reviews import services as review_rules
from storefront import bp, holes
from storefront.cart_views import dom_id, in_wishlist, read_shopper_copies
from storefront.holes import Tokens, hole
from storefront.review_views import review_form_for

PAGE = "storefront/catalog/product_detail.html"
PARTS = "storefront/catalog/_product_parts.html"
MY_REVIEW = "storefront/reviews/_mine.html"
REVIEWS_PER_PAGE = 10
# Each kept page is 20-60 kB; a process keeps at most this much of them (the least recently
# shown go first).
MAX_BYTES = 48 * 1024 * 1024
# What each kind of personal choice can be, drawn in turn when a page is drawn for everyone.
CHOICES: dict[str, tuple[Any, ...]] = {"saved": (False, True), "helpful": ("none", "voted", "own")}

SEPARATOR = "@@pfh-part-5d0a91@@"
CSRF_HOLE = hole("csrf")
NEXT_HOLE = hole("next")
MINE_HOLE = hole("mine")


@dataclass(frozen=True)
class Choice:
    """A personal piece drawn once per value of its kind."""

    kind: str
    key: Any  # saved: the product id; helpful: (review id, its author's user id)
    drawn: dict[Any, Tokens]


@dataclass(frozen=True)
class ProductRef:
    """What the "your review" section needs of the product when the page comes from the cache."""

    id: int
    slug: str


@dataclass(frozen=True)
class SharedParts:
    """A product page as every shopper sees it, with holes for what is their own."""

    title: str
    meta: Markup
    described: bool  # False: no text of its own, the page keeps base.html's meta description
    body: Tokens
    choices: tuple[Choice, ...]
    my_review: Tokens  # the "your review" section of a shopper who has not written one
    product: ProductRef
    category: str  # the analytics' product view
    review_ids: tuple[int, ...]
    drawn_at: float
    size: int


@dataclass(frozen=True)
class FilledPage:
    """What product_detail.html puts around base.html."""

    title: str
    meta: Markup
    described: bool
    body: Markup


class _Recorder:
    """Collects the personal choices of a page being drawn for everyone."""

    def __init__(self) -> None:
        self.choices: list[tuple[str, Any, dict[Any, str]]] = []
        self.choosing: dict[str, Any] = {}

    def choice(self, kind: str, key: Any, caller: Callable[[Any], str]) -> Markup:
        drawn = {}
        for value in CHOICES[kind]:
            self.choosing[kind] = value
            drawn[value] = str(caller(value))
        del self.choosing[kind]
        self.choices.append((kind, key, drawn))
        return hole("slot", str(len(self.choices) - 1))


@bp.app_template_global("personal")
@pass_context
def personal(context: Context, kind: str, key: Any, value: Any = None, *, caller: Callable[[Any], str]) -> Markup:
    """`{% call(value) personal(kind, key, value) %}`: the piece for this shopper's `value`, or,
    in a page drawn for everyone, a hole and the piece drawn for each value of the kind."""
    recorder = context.get("page_recorder")
    if recorder is None:
        return Markup(caller(value))
    return recorder.choice(kind, key, caller)


# ---------------------------------------------------------------- the cache

_pages: OrderedDict[tuple, SharedParts] = OrderedDict()
_lock = threading.Lock()
_size = 0


def _get(key: tuple) -> SharedParts | None:
    with _lock:
        parts = _pages.get(key)
        if parts is None:
            return None
        if time.monotonic() - parts.drawn_at > catalog.PAGE_TTL:
            _drop(key)
            return None
        _pages.move_to_end(key)
        return parts


def _put(key: tuple, parts: SharedParts) -> None:
    global _size
    with _lock:
        if key in _pages:
            _drop(key)
        _pages[key] = parts
        _size += parts.size
        while _size > MAX_BYTES and len(_pages) > 1:
            _drop(next(iter(_pages)))


def _drop(key: tuple) -> None:
    global _size
    _size -= _pages.pop(key).size


def forget_all() -> None:
    """Drop every kept page of this process (tests that change what no key names)."""
    global _size
    with _lock:
        _pages.clear()
        _size = 0


# ---------------------------------------------------------------- a page


def shared_parts(slug: str, variant_id: int | None = None, **extra: Any) -> SharedParts:
    """The page's shared parts: kept ones when the product, the choice of size or shade, the
    language, the rate and the catalog generation are the same; else drawn now (and kept).
    `extra` goes into the drawing (a form's error): such a page is drawn and not kept. 404 when
    no public product has this slug."""
    state = catalog.product_page_state(slug)
    if state is None:
        abort(404)
    chosen = _chosen_id(state, variant_id)
    generation = catalog.page_generation()  # before drawing: a change while drawing is a new one
    key = (
        slug,
        chosen,
        current_locale(),
        khr_per_usd(),
        bool(current_user.is_authenticated),
        generation,
        state.version,
    )
    keep = bool(generation) and not extra
    parts = _get(key) if keep else None
    if parts is None:
        product = catalog.get_public_product(slug)
        if product is None:
            abort(404)
        parts = _draw(product, chosen, extra)
        if keep:
            _put(key, parts)
    return parts


def _chosen_id(state: catalog.PageState, wanted: int | None) -> int | None:
    """The variant shown: `wanted` when it is one of the product's, else the default one."""
    if wanted in state.variant_ids:
        return wanted
    return state.default_variant_id or (state.variant_ids[0] if state.variant_ids else None)


def render_page(parts: SharedParts, token_hole: str | None = None) -> str:
    """The whole page for this request: base.html around the shared parts, filled in for this
    shopper. `token_hole` stands for the CSRF token everywhere (the anonymous page cache's)."""
    page = FilledPage(parts.title, parts.meta, parts.described, Markup(fill(parts, token_hole or csrf.token())))
    if token_hole is None:
        return render_template(PAGE, product_page=page)
    return render_template(PAGE, product_page=page, csrf_token=lambda: token_hole)


def fill(parts: SharedParts, token: str) -> str:
    """The shared body with this shopper's bits in its holes."""
    user_id = current_user.id if current_user.is_authenticated else None
    path = request.full_path[:-1] if request.full_path.endswith("?") else request.full_path
    mine: review_rules.ShopperReviews | None = None
    voted: frozenset[int] = frozenset()
    if user_id is not None:
        read_shopper_copies()
        mine = review_rules.shopper_reviews(user_id)
        voted = mine.voted

    def choose(choice: Choice) -> Any:
        if choice.kind == "saved":
            return in_wishlist(choice.key)
        review_id, author_id = choice.key
        if user_id is not None and author_id == user_id:
            return "own"
        return "voted" if review_id in voted else "none"

    values = {"csrf": token, "next": str(escape(path))}
    ids: dict[str, str] = {}

    def filler(kind: str, arg: str) -> str | Tokens:
        if kind == "slot":
            choice = parts.choices[int(arg)]
            return choice.drawn[choose(choice)]
        if kind == "domid":
            if arg not in ids:
                ids[arg] = dom_id(arg.rsplit("-", 1)[0])
            return ids[arg]
        if kind == "mine":
            return _my_review(parts, user_id if mine is not None and parts.product.id in mine.products else None)
        return values[kind]

    return holes.fill(parts.body, filler)


def _my_review(parts: SharedParts, user_id: int | None) -> Tokens:
    """The "your review" section: the kept one (sign in, or write a review), or, for a shopper
    who wrote one (`user_id`: None for one who did not), their review drawn now."""
    if user_id is None:
        return parts.my_review
    review = review_rules.review_for_product(user_id, parts.product.id)
    if review is None:
        return parts.my_review
    # From the template alone: render_template would run every context processor again.
    template = current_app.jinja_env.get_template(MY_REVIEW)
    return (template.render(product=parts.product, my_review=review, review_form=None, current_user=current_user),)


# ---------------------------------------------------------------- drawing


def _draw(product: Product, variant_id: int | None, extra: dict) -> SharedParts:
    recorder = _Recorder()
    numbers = itertools.count()  # each element id its own hole: a heart names its id twice
    context = product_context(product, variant_id)
    name = localized(product, "name")
    meta_description = localized(product, "description") or product.meta_description or product.short_description
    html = render_template(
        PARTS,
        **context,
        **extra,
        separator=SEPARATOR,
        meta_description=meta_description,
        my_review=None,
        review_form=review_form_for(None) if current_user.is_authenticated else None,
        csrf_token=lambda: CSRF_HOLE,
        return_path=NEXT_HOLE,
        dom_id=lambda prefix: hole("domid", f"{prefix}-{next(numbers)}"),
        in_wishlist=lambda _product_id: recorder.choosing.get("saved", False),
        helpful_votes=lambda _items: set(),
        page_recorder=recorder,
        my_review_section=Markup(MINE_HOLE),
    )
    meta, body_html, my_review_html = html.split(SEPARATOR)
    body, my_review = holes.tokens(body_html), holes.tokens(my_review_html)
    choices = tuple(
        Choice(kind, key, {value: holes.tokens(drawn_html) for value, drawn_html in drawn.items()})
        for kind, key, drawn in recorder.choices
    )
    size = holes.weight(body) + holes.weight(my_review)
    size += sum(holes.weight(t) for c in choices for t in c.drawn.values()) + len(meta)
    return SharedParts(
        title=f"{product.meta_title or name} | {current_app.config['SHOP_NAME']}",
        meta=Markup(meta),
        described=bool(meta_description),
        body=body,
        choices=choices,
        my_review=my_review,
        product=ProductRef(product.id, product.slug),
        category=product.category,
        review_ids=tuple(r.id for r in context["reviews"].items),
        drawn_at=time.monotonic(),
        size=size,
    )


# ---------------------------------------------------------------- what the page shows


def product_context(product: Product, variant_id: int | None = None) -> dict:
    """Everything the shared parts show of `product`, with `variant_id` (else the default) as
    the size or shade shown."""
    tree = catalog.category_tree()
    primary = tree.by_slug.get(product.category) or next((c for c in product.categories if c.id in tree.by_id), None)
    summary = catalog.rating_summary(product.id)
    reviews = catalog.approved_reviews(product.id, per_page=REVIEWS_PER_PAGE)
    canonical = url_for("storefront.product_detail", slug=product.slug, lang=current_locale(), _external=True)
    variants = catalog_variants.variants_of(product.id) or [catalog_variants.default_variant(product)]
    chosen = _chosen_variant(variants, variant_id)
    return {
        "product": product,
        # The sizes or shades on sale, and the one shown (?variant=, else the default): the
        # picker is a GET form, so it works without JavaScript; HTMX swaps the panel only.
        "variants": variants,
        "variant": chosen,
        "has_choice": catalog_variants.has_choice(variants),
        "price_range": catalog_variants.price_range(variants, product),
        "trail": tree.trail(primary) if primary else [],
        "rating": summary,
        "reviews": reviews,
        # Per product, the same for every visitor (a new model starts a new page generation, see
        # shop.recommendations.jobs).
        "similar": [r.product for r in recommendations.similar(product.id, "content_based")],
        "bought_together": [r.product for r in recommendations.similar(product.id, "collaborative")],
        "canonical": canonical,
        "json_ld": _product_json_ld(product, summary, canonical, variants),
        **review_list_context(reviews, "newest"),
    }


def review_list_context(reviews, sort: str) -> dict:
    """What the review list shows besides the reviews: who bought what (one query a page) and
    the sort the list is in, with the choices."""
    return {
        "verified_reviews": review_rules.verified_purchase_ids(reviews.items),
        "review_sort": sort,
        "review_sorts": catalog.REVIEW_SORT_LABELS,
    }


def _chosen_variant(variants: list, wanted: int | None) -> object:
    """The variant `wanted` (?variant=) when it is one of these, else the default one."""
    default = next((v for v in variants if v.is_default), variants[0])
    return next((v for v in variants if v.id == wanted), default)


def _availability(in_stock: bool, on_backorder: bool) -> str:
    if not in_stock:
        return "https://schema.org/OutOfStock"
    if on_backorder:
        return "https://schema.org/BackOrder"
    return "https://schema.org/InStock"


def _product_json_ld(product: Product, summary: catalog.RatingSummary, url: str, variants: list | None = None) -> dict:
    """schema.org Product: what search engines show (price, availability, stars); a product in
    several sizes or shades has one Offer per variant."""
    images = [i.image_url for i in product.images] or ([product.image_url] if product.image_url else [])
    if not product.is_in_stock:
        availability = "https://schema.org/OutOfStock"
    elif product.track_inventory and product.stock <= 0:
        availability = "https://schema.org/BackOrder"
    else:
        availability = "https://schema.org/InStock"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": localized(product, "name"),
        "description": localized(product, "description") or product.short_description or "",
        "sku": product.sku,
        "url": url,
        "image": [request.host_url.rstrip("/") + i if i.startswith("/") else i for i in images],
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str(product.price),
            "priceCurrency": current_app.config["CURRENCY"],
            "availability": availability,
        },
    }
    if variants and catalog_variants.has_choice(variants):
        data["offers"] = [
            {
                "@type": "Offer",
                "url": f"{url}&variant={variant.id}",
                "name": localized(variant, "option_value"),
                "sku": variant.sku,
                "price": str(variant.price),
                "priceCurrency": current_app.config["CURRENCY"],
                "availability": _availability(variant.is_in_stock, variant.is_on_backorder),
            }
            for variant in variants
        ]
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": product.brand}
    if summary.count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(summary.average),
            "reviewCount": summary.count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return data
