"""Product cards, drawn once per product state and language, then kept in this process.

A listing shows 24 cards, and drawing each through the Jinja macros was a third of the page's
time. A card is the same for every visitor but for a few holes, filled per page: the CSRF
token, the page to come back to, the heart's element id and the search that led here (plus
whether the shopper saved it, which is part of the key). The key is everything the card shows
(CARD_FIELDS, and the riel rate its price is shown in), so an edited product or a new rate
simply gets a new card: nothing to invalidate. A test
checks that the card shows nothing else.

Templates call `{{ card(product) }}` or `{{ card(product, search_id) }}`, or for a page of them
`{% for html in cards(page.items, search_id) %}`: the page's cards not drawn yet are then drawn
in one render.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, cast

from flask import Flask, current_app, request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from shop.catalog.models import Product
from shop.i18n import current_locale, khr_per_usd

# What storefront/_macros.html's product_card shows of a product.
CARD_FIELDS = (
    "id",
    "slug",
    "name_en",
    "name_kh",
    "brand",
    "price",
    "price_max",
    "compare_at_price",
    "stock",
    "track_inventory",
    "allow_backorders",
    "image_url",
)
TOKEN_HOLE = "card-token-hole-5d0a91"
NEXT_HOLE = "card-next-hole-5d0a91"
HEART_HOLE = "card-heart-hole-5d0a91"
SEARCH_HOLE = "cardsearchhole5d0a91"
MAX_CARDS = 20_000  # about 2 KB each
CARDS_TEMPLATE = "storefront/catalog/_cards.html"
SEPARATOR = "card-separator-5d0a91"

_cards: OrderedDict[tuple, str] = OrderedDict()


class CardProduct:
    """A product as its card shows it: CARD_FIELDS, read as a row (ListingIds.rows), and the
    stock rule of the model itself. A card drawn from one is the same as from the Product (a
    test checks it)."""

    __slots__ = CARD_FIELDS
    id: int
    slug: str
    name_en: str
    name_kh: str | None
    brand: str | None
    price: Decimal
    price_max: Decimal | None
    compare_at_price: Decimal | None
    stock: int
    track_inventory: bool
    allow_backorders: bool
    image_url: str | None

    def __init__(self, row: Any) -> None:
        for name in CARD_FIELDS:
            setattr(self, name, getattr(row, name))

    # Product.is_in_stock's own function (a hybrid property: on the class it is the SQL).
    is_in_stock = property(Product.__dict__["is_in_stock"].fget)


def card_products(rows: Sequence[Any]) -> list[CardProduct]:
    return [CardProduct(row) for row in rows]


Carded = Product | CardProduct  # what a card is drawn from


_lock = threading.Lock()


@pass_context
def card(context: Context, product: Product, search_id: str | None = None) -> Markup:
    """The product's card for this page."""
    return cards(context, [product], search_id)[0]


@pass_context
def cards(context: Context, products: Sequence[Carded], search_id: str | None = None) -> list[Markup]:
    """The cards of a page's products, filled in for this page (see `fill`)."""
    in_wishlist = context.resolve("in_wishlist")
    dom_id = context.resolve("dom_id")
    return fill(
        products,
        search_id,
        saved=in_wishlist if callable(in_wishlist) else None,
        token=context.resolve("csrf_token")(),
        dom_id=dom_id if callable(dom_id) else None,
        # A page drawn for several shoppers (storefront.product_page) names its return path itself.
        this_page=context.get("return_path"),
    )


def fill(
    products: Sequence[Carded],
    search_id: str | None,
    *,
    saved: Callable[[int], bool] | None,
    token: str,
    dom_id: Callable[[str], str] | None,
    this_page: str | None = None,
) -> list[Markup]:
    """The cards of a page's products (a listing's), in order, with this page's holes filled:
    `saved(product_id)` for the hearts, the CSRF `token`, `dom_id` for the hearts' element ids.
    Those not drawn before are drawn together, in one render (24 cold cards: one import of
    the macros instead of 24)."""
    is_saved = [bool(saved(p.id)) if saved is not None else False for p in products]
    from_search = search_id is not None
    shown_in = (current_locale(), khr_per_usd())  # the same for every card of the page
    keys = [
        (*shown_in, flag, from_search, *(getattr(p, f) for f in CARD_FIELDS))
        for p, flag in zip(products, is_saved, strict=True)
    ]
    with _lock:
        found = [_cards.get(key) for key in keys]
        for key, html in zip(keys, found, strict=True):
            if html is not None:
                _cards.move_to_end(key)
    missing = [n for n, html in enumerate(found) if html is None]
    if missing:
        drawn = _draw([products[n] for n in missing], {products[n].id for n in missing if is_saved[n]}, from_search)
        with _lock:
            for n, html in zip(missing, drawn, strict=True):
                found[n] = _cards[keys[n]] = html
            while len(_cards) > MAX_CARDS:
                _cards.popitem(last=False)
    if this_page is None:
        this_page = request.full_path[:-1] if request.full_path.endswith("?") else request.full_path
    shown_page = str(escape(this_page))
    shown_search = str(escape(search_id)) if search_id is not None else None
    filled = []
    for html in cast(list[str], found):  # every one found or drawn by now
        html = (
            html.replace(TOKEN_HOLE, token)
            .replace(NEXT_HOLE, shown_page)
            .replace(HEART_HOLE, dom_id("heart") if dom_id is not None else "heart")
        )
        if shown_search is not None:
            html = html.replace(SEARCH_HOLE, shown_search)
        filled.append(Markup(html))
    return filled


def _draw(products: Sequence[Carded], saved: set[int], from_search: bool) -> list[str]:
    """The cards with their holes, in one render. From the template alone, not through
    render_template: that runs every context processor (the header's cart badge count above
    all), which cost more than the cards. The cards need only what is passed here and the
    environment's globals and filters."""
    html = current_app.jinja_env.get_template(CARDS_TEMPLATE).render(
        products=products,
        separator=SEPARATOR,
        search_id=SEARCH_HOLE if from_search else None,
        csrf_token=lambda: TOKEN_HOLE,
        return_path=NEXT_HOLE,
        dom_id=lambda _prefix: HEART_HOLE,
        in_wishlist=lambda product_id: product_id in saved,
    )
    return html.split(SEPARATOR)


def register_cards(app: Flask) -> None:
    app.add_template_global(card, "card")
    app.add_template_global(cards, "cards")
