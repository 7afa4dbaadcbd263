"""Product cards, drawn once per product state and language, then kept in this process.

A listing shows 24 cards, and drawing each through the Jinja macros was a third of the page's
time. A card is the same for every visitor but for a few holes, filled per page: the CSRF
token, the page to come back to, the heart's element id and the search that led here (plus
whether the shopper saved it, which is part of the key). The key is everything the card shows
(CARD_FIELDS, and the riel rate its price is shown in), so an edited product or a new rate
simply gets a new card: nothing to invalidate. A test
checks that the card shows nothing else.

Templates call `{{ card(product) }}` or `{{ card(product, search_id) }}`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, render_template, request
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

_cards: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


@pass_context
def card(context: Context, product: Product, search_id: str | None = None) -> Markup:
    """The product's card for this page."""
    in_wishlist = context.resolve("in_wishlist")
    saved = bool(in_wishlist(product.id)) if callable(in_wishlist) else False
    key = (
        current_locale(),
        khr_per_usd(),
        saved,
        search_id is not None,
        *(getattr(product, f) for f in CARD_FIELDS),
    )
    with _lock:
        html = _cards.get(key)
        if html is not None:
            _cards.move_to_end(key)
    if html is None:
        html = _draw(product, saved, search_id is not None)
        with _lock:
            _cards[key] = html
            while len(_cards) > MAX_CARDS:
                _cards.popitem(last=False)
    # A page drawn for several shoppers (storefront.product_page) names its return path itself.
    this_page = context.get("return_path") or (
        request.full_path[:-1] if request.full_path.endswith("?") else request.full_path
    )
    dom_id = context.resolve("dom_id")
    html = (
        html.replace(TOKEN_HOLE, context.resolve("csrf_token")())
        .replace(NEXT_HOLE, str(escape(this_page)))
        .replace(HEART_HOLE, dom_id("heart") if callable(dom_id) else "heart")
    )
    if search_id is not None:
        html = html.replace(SEARCH_HOLE, str(escape(search_id)))
    return Markup(html)


def _draw(product: Product, saved: bool, from_search: bool) -> str:
    return render_template(
        "storefront/catalog/_card.html",
        product=product,
        search_id=SEARCH_HOLE if from_search else None,
        csrf_token=lambda: TOKEN_HOLE,
        return_path=NEXT_HOLE,
        dom_id=lambda _prefix: HEART_HOLE,
        in_wishlist=lambda _product_id: saved,
    )


def register_cards(app: Flask) -> None:
    app.add_template_global(card, "card")
