"""The site header and footer, drawn once per language, sign-in state and page, filled per request.

base.html drew both for every request: some 35 translated strings, a dozen URLs and the cart
badge, about 3 ms of a signed-in listing or product page. All of it is the same for everyone
who is signed in (or not) and reads the same language on the same kind of page (the header
marks the current one with aria-current). So each is kept in this process, with holes
(storefront.holes) for the few bits that are each request's own:

- the CSRF token (`csrf`, the page's own `csrf_token()`: the anonymous page cache's hole there),
- the page in the other language (`lang:<code>`, lang_url: the path and the query string),
- what the search box holds (`search`, the request's `q`),
- the cart badge (`badge`, the count the page's context holds: drawn once per language and
  count).

The key is all the header reads besides those holes: the language, whether the shopper is signed
in and the endpoint (the footer: the language and the year). Nothing in it comes from the
database, so there is nothing to invalidate: a shopper who signs in or out, changes language or
their cart gets another key or another hole's value at once. The templates are read at start.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from shop.catalog.search import MAX_QUERY_LENGTH
from shop.i18n import current_locale
from storefront import holes
from storefront.templating import lang_url

HEADER = "partials/_site_header.html"
FOOTER = "partials/_site_footer.html"
BADGE = "partials/cart_badge.html"
MAX_ENTRIES = 4096  # endpoints x languages x signed in or not, and badges: a few hundred in use

_lock = threading.Lock()
_kept: dict[tuple, holes.Tokens] = {}


def _keep(key: tuple, draw: Any) -> holes.Tokens:
    kept = _kept.get(key)
    if kept is None:
        kept = holes.tokens(draw())
        with _lock:
            if len(_kept) >= MAX_ENTRIES:
                _kept.clear()
            _kept[key] = kept
    return kept


def _render(template: str, **values: Any) -> str:
    # From the template alone: render_template would run every context processor again (the
    # cart badge's count among them).
    return current_app.jinja_env.get_template(template).render(**values)


@pass_context
def site_header(context: Context) -> Markup:
    """The header for this request: the kept one, its holes filled."""
    locale = current_locale()
    signed_in = bool(current_user.is_authenticated)
    endpoint = request.endpoint
    parts = _keep(
        ("header", locale, signed_in, endpoint),
        lambda: _render(
            HEADER,
            endpoint=endpoint,
            current_locale=locale,
            current_user=current_user,
            csrf_token=lambda: holes.hole("csrf"),
            lang_url=lambda code, external=False: holes.hole("lang", code),
            search_value=holes.hole("search"),
            cart_badge=holes.hole("badge"),
        ),
    )
    count = int(context.get("cart_count") or 0)

    def filler(kind: str, arg: str) -> str | holes.Tokens:
        if kind == "csrf":
            return str(context.resolve("csrf_token")())
        if kind == "lang":
            return str(escape(lang_url(arg)))
        if kind == "search":
            return str(escape(request.args.get("q", "")[:MAX_QUERY_LENGTH]))
        if kind == "badge":
            return _keep(("badge", locale, count), lambda: _render(BADGE, cart_count=count))
        raise KeyError(kind)

    return Markup(holes.fill(parts, filler))


def site_footer() -> Markup:
    """The footer for this request's language (and year): the kept one."""
    locale, year = current_locale(), datetime.now(UTC).year
    parts = _keep(("footer", locale, year), lambda: _render(FOOTER, current_locale=locale, now_year=year))
    return Markup(holes.fill(parts, _no_hole))


def _no_hole(kind: str, _arg: str) -> str:
    raise KeyError(kind)


def forget_all() -> None:
    """Drop every kept header and footer (tests that change a template or the config)."""
    with _lock:
        _kept.clear()


def register_layout(app: Flask) -> None:
    app.add_template_global(site_header, "site_header")
    app.add_template_global(site_footer, "site_footer")
