"""A listing's content, drawn once per URL, language and catalog generation, its cards filled in
for each shopper.

Everything a listing shows between the header and the footer (breadcrumbs, heading, the
category list, the filter form, the count, the sort, the pager) is the same for everyone who
asks for the same URL in the same language: drawing it was most of a warm listing's time. It is
kept here, in each process, as the text around the cards (`_listing_content.html` draws
`card_slots`), under the catalog generation that the shared listing was found in
(shop.catalog.listing_cache): any catalog change draws it anew. The cards are what differ
between shoppers (hearts, the CSRF token, the search that led to the product) and are filled in
for each page by storefront.cards, from the products as they are now. The header (the account
links, the cart badge) and the flashed messages are drawn for each request by base.html.

Without Redis (no catalog generation) nothing is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from flask import current_app, request
from jinja2_fragments import render_block
from markupsafe import Markup

from shop.i18n import current_locale, khr_per_usd
from shop.infra import csrf
from storefront import cards
from storefront.cart_views import dom_id, in_wishlist
from web.htmx import is_htmx_fragment_request

CONTENT = "storefront/catalog/_listing_content.html"
SLOT = "card-slot-5d0a91"
MAX_PAGES = 512  # the text around the cards: some 15 KB each

_lock = threading.Lock()
_pages: OrderedDict[tuple, list[str]] = OrderedDict()


def content(
    context: dict, *, products: Sequence[cards.Carded], search_id: str | None, generation: int | None
) -> Markup:
    """The listing's content (the `results` block alone for an HTMX fragment request), with this
    shopper's cards. `context` is what _listing_content.html reads, `products` the page's."""
    filled = cards.fill(products, search_id, saved=in_wishlist, token=csrf.token(), dom_id=dom_id)
    fragment = is_htmx_fragment_request()
    if generation is None:
        return Markup(_draw(context, fragment, filled))
    key = (generation, current_locale(), khr_per_usd(), request.full_path, fragment)
    with _lock:
        segments = _pages.get(key)
        if segments is not None:
            _pages.move_to_end(key)
    if segments is None or len(segments) != len(filled) + 1:
        segments = _draw(context, fragment, [Markup(SLOT)] * len(filled)).split(SLOT)
        if len(segments) != len(filled) + 1:  # a slot the template did not show: nothing to keep
            return Markup(_draw(context, fragment, filled))
        with _lock:
            _pages[key] = segments
            while len(_pages) > MAX_PAGES:
                _pages.popitem(last=False)
    parts = [segments[0]]
    for card, after in zip(filled, segments[1:], strict=True):
        parts += [card, after]
    return Markup("".join(parts))


def _draw(context: dict, fragment: bool, card_slots: list[Markup]) -> str:
    """The content from its template alone: render_template would run every context processor
    (the header's cart badge count among them), and nothing here is the shopper's."""
    environment = current_app.jinja_env
    values = {"request": request, "card_slots": card_slots, **context}
    if fragment:
        return render_block(environment, CONTENT, "results", **values)
    return environment.get_template(CONTENT).render(**values)
