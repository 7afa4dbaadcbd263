"""The shop window: home, listings (all products, categories, skin types, search), product pages,
search suggestions, and the files search engines read (sitemap.xml, robots.txt).

Listings answer HTMX requests with just the result list (filters and pages swap it and push the
URL); without JavaScript the same URLs are plain pages and the filter form a plain GET form.
Product pages for visitors who are not signed in are cached whole (see `_cached_product_page`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import cast

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.http import http_date

from shop.cart import services as cart
from shop.catalog import alerts, listing_cache
from shop.catalog import services as catalog
from shop.catalog.models import Category, SkinType
from shop.catalog.search import MAX_QUERY_LENGTH
from shop.catalog.services import ProductFilters, SortKey
from shop.catalog.vocab import SKIN_CONCERNS, skin_type_label
from shop.errors import ShopError
from shop.i18n import current_locale, localized
from shop.infra import csrf
from shop.infra.transactions import reads_only
from shop.paging import Page
from storefront import bp, cards, listing_pages, product_page
from storefront import tracking as track
from storefront.cart_views import first_error, toast
from storefront.query import page_arg
from storefront.shared_pages import CSRF_HOLE, SHARED_ARGS, page_response
from storefront.shopping_forms import ActionForm, StockAlertForm
from storefront.templating import shorten
from web.forms import error_status
from web.htmx import is_htmx_fragment_request, render

LISTING = "storefront/catalog/listing.html"
REVIEWS_PER_PAGE = product_page.REVIEWS_PER_PAGE
MAX_PRICE = Decimal("100000")
SORT_LABELS = {
    SortKey.RELEVANCE: _l("Best match"),
    SortKey.NEWEST: _l("Newest"),
    SortKey.PRICE_ASC: _l("Price: low to high"),
    SortKey.PRICE_DESC: _l("Price: high to low"),
    SortKey.RATING: _l("Top rated"),
    SortKey.BEST_SELLING: _l("Best selling"),
}
SKIN_TYPE_BLURBS = {
    "oily": _l("Shine by midday and visible pores: light, oil-free textures."),
    "dry": _l("Tight or flaky after cleansing: richer moisture that lasts."),
    "combination": _l("Oily T-zone, drier cheeks: balance without heaviness."),
    "sensitive": _l("Easily red or stinging: fragrance-free, soothing formulas."),
    "normal": _l("Comfortable most days: keep it healthy and protected."),
    "all": _l("Gentle basics that suit every skin type."),
}


@bp.get("/")
def home():
    return render_template(
        "storefront/home.html",
        categories=catalog.top_categories(),
        featured=catalog.featured_products(8),
        new_arrivals=catalog.new_arrivals(8),
        best_sellers=catalog.best_sellers(8),
        skin_types=list(SkinType),
    )


# ---------------------------------------------------------------- listings


@dataclass(frozen=True)
class ListingArgs:
    filters: ProductFilters
    sort: SortKey | None
    page: int


def _listing_args(tree: catalog.CategoryTree, *, category: Category | None, skin_type: SkinType | None) -> ListingArgs:
    """The listing's query string, validated (400 on anything a form of ours cannot send)."""
    args = request.args
    page = page_arg()
    sort = _choice(args.get("sort"), SortKey)
    if category is None and args.get("category"):
        category = tree.by_slug.get(args["category"]) or abort(400)
    if skin_type is None:
        skin_type = _choice(args.get("skin_type"), SkinType)
    concerns = tuple(dict.fromkeys(args.getlist("concern")))
    if any(code not in SKIN_CONCERNS for code in concerns):
        abort(400)
    filters = ProductFilters(
        query=args.get("q", "").strip()[:MAX_QUERY_LENGTH],
        category=category,
        skin_type=skin_type,
        concerns=concerns,
        min_price=_price(args.get("min_price")),
        max_price=_price(args.get("max_price")),
        in_stock=_flag(args.get("in_stock")),
        on_sale=_flag(args.get("on_sale")),
    )
    return ListingArgs(filters, sort, page)


def _choice(raw: str | None, kind):
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        abort(400)


def _price(raw: str | None) -> Decimal | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        abort(400)
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        abort(400)
    return value


def _flag(raw: str | None) -> bool:
    return (raw or "").lower() in ("1", "on", "true", "yes")


def _listing(
    *,
    heading: str,
    category: Category | None = None,
    skin_type: SkinType | None = None,
    intro=None,
    tree: catalog.CategoryTree | None = None,
    generation: int | None = None,
):
    """A listing page: which products and how many from shop.catalog.listing_cache, the products
    read as they are now, the content around the cards from storefront.listing_pages, the cards
    and the header drawn for this shopper."""
    if tree is None:
        generation = catalog.current_generation()
        tree = listing_cache.category_tree(generation)
    parsed = _listing_args(tree, category=category, skin_type=skin_type)
    shared = listing_cache.shared_listing(
        parsed.filters, sort=parsed.sort, page=parsed.page, tree=tree, generation=generation
    )
    if shared.found.is_past_the_end:
        abort(404)
    found = shared.found.rows(cards.CARD_FIELDS)
    result = Page(
        cards.card_products(found.items),
        found.page,
        found.per_page,
        found.total,
        found.estimated,
        listed_limit=found.listed_limit,
    )
    sorts = [s for s in SortKey if s != SortKey.RELEVANCE or parsed.filters.query]
    current_sort = parsed.sort or (SortKey.RELEVANCE if parsed.filters.query else SortKey.NEWEST)
    if current_sort == SortKey.RELEVANCE and not parsed.filters.query:
        current_sort = SortKey.NEWEST
    canonical_args = {"lang": current_locale(), **({"page": result.page} if result.page > 1 else {})}
    search_id = track.search(parsed.filters, result.total)
    context = dict(
        heading=heading,
        intro=intro,
        category=category,
        fixed_skin_type=skin_type,
        trail=tree.trail(category) if category else [],
        subcategories=tree.children(category) if category else tree.roots,
        tree=tree,
        filters=parsed.filters,
        sorts=sorts,
        sort_labels=SORT_LABELS,
        current_sort=current_sort,
        skin_types=list(SkinType),
        concerns=SKIN_CONCERNS,
        page=result,
        corrected_query=shared.corrected,
        active_filters=_active_filters(parsed.filters, fixed_category=category, fixed_skin_type=skin_type),
        canonical=url_for(
            cast(str, request.endpoint), **{**(request.view_args or {}), **canonical_args}, _external=True
        ),
        noindex=bool(parsed.filters.is_filtered or request.args.get("sort")),
    )
    content = listing_pages.content(context, products=result.items, search_id=search_id, generation=generation)
    if is_htmx_fragment_request():
        response = make_response(content)
    else:
        response = make_response(render_template(LISTING, listing_content=content, **context))
    response.vary.add("HX-Request")
    return response


def _active_filters(
    filters: ProductFilters, *, fixed_category: Category | None, fixed_skin_type: SkinType | None
) -> int:
    """How many filters the shopper chose in the drawer ("Filter (2)"): each concern counts, a
    price range once; the page's own category or skin type and the search words do not."""
    chosen = [
        filters.category is not None and fixed_category is None,
        filters.skin_type is not None and fixed_skin_type is None,
        filters.min_price is not None or filters.max_price is not None,
        filters.in_stock,
        filters.on_sale,
    ]
    return sum(chosen) + len(filters.concerns)


@bp.get("/shop")
@reads_only
def search():
    query = shorten(request.args.get("q", "").strip()[:MAX_QUERY_LENGTH])
    heading = _("Results for “%(query)s”", query=query) if query else _("All products")
    return _listing(heading=heading)


@bp.get("/categories/<slug>")
@reads_only
def category(slug: str):
    generation = catalog.current_generation()
    tree = listing_cache.category_tree(generation)
    found = tree.by_slug.get(slug)
    if found is None:
        abort(404)
    heading, intro = localized(found, "name"), localized(found, "description")
    return _listing(heading=heading, category=found, intro=intro, tree=tree, generation=generation)


@bp.get("/skin-types")
def skin_types():
    return render_template("storefront/catalog/skin_types.html", skin_types=list(SkinType), blurbs=SKIN_TYPE_BLURBS)


@bp.get("/skin-types/<skin_type>")
@reads_only
def skin_type(skin_type: str):
    try:
        chosen = SkinType(skin_type)
    except ValueError:
        abort(404)
    heading = (
        _("For %(skin_type)s skin", skin_type=skin_type_label(chosen).lower())
        if chosen != SkinType.ALL
        else (skin_type_label(chosen))
    )
    return _listing(heading=heading, skin_type=chosen, intro=SKIN_TYPE_BLURBS[chosen.value])


@bp.get("/search/suggestions")
def search_suggestions():
    """The dropdown under the search box (HTMX); without JavaScript, the results page."""
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    if not is_htmx_fragment_request():
        return redirect(url_for("storefront.search", q=query or None))
    suggestions = catalog.suggest(query) if len(query) >= 2 else None
    response = make_response(render_template("storefront/catalog/_suggestions.html", suggestions=suggestions))
    response.vary.add("HX-Request")
    return response


# ---------------------------------------------------------------- product pages


@bp.get("/products/<slug>")
@reads_only
def product_detail(slug: str):
    """A product page: its shared parts kept per product state, size or shade, language and
    catalog generation, the shopper's own bits filled in (storefront.product_page). A visitor
    who sees the same page as any other gets it whole from the page cache."""
    if _page_is_shared():
        return _cached_product_page(slug)
    parts = product_page.shared_parts(slug, request.args.get("variant", type=int))
    track.product_view(parts.product.id, parts.category)
    return product_page.render_page(parts)


def _page_is_shared() -> bool:
    """Whether this visitor sees the same page as any other: not signed in, nothing in the
    cart, no message waiting, no query string but the language (and the search that led here,
    which only the analytics read). Such pages are cached whole, with the CSRF token as the
    one hole filled per visitor. Visitors without a session get them before Flask
    (storefront.shared_pages)."""
    return (
        SHARED_ARGS.issuperset(request.args)
        and not current_user.is_authenticated
        and "_flashes" not in session
        and cart.count(cart.Owner(guest=session)) == 0
    )


def _cached_product_page(slug: str) -> Response:
    locale = current_locale()
    entry, generation = catalog.cached_page(slug, locale)
    if entry is None:
        parts = product_page.shared_parts(slug)
        html = product_page.render_page(parts, token_hole=CSRF_HOLE)
        entry = {
            "etag": hashlib.sha1(html.encode(), usedforsecurity=False).hexdigest()[:20],
            "last_modified": http_date(datetime.now(UTC).replace(microsecond=0)),
            "html": html,
            "product_id": parts.product.id,
            "category": parts.category,
        }
        catalog.store_page(slug, locale, entry, generation)
    if "product_id" in entry:  # entries cached before analytics lacked it: they expire soon
        track.product_view(entry["product_id"], entry.get("category"))
    return page_response(
        entry, csrf.token(), request.if_none_match, request.if_modified_since, request.headers.get("Accept-Encoding")
    )


@bp.get("/products/<slug>/reviews")
def product_reviews(slug: str):
    """All approved reviews, a page at a time, newest or most helpful first (`?sort=helpful`);
    HTMX gets just the reviews and the "more" link (the next page, or the list re-sorted)."""
    product = catalog.get_public_product(slug)
    if product is None:
        abort(404)
    sort = request.args.get("sort") or "newest"
    reviews = catalog.approved_reviews(product.id, page=page_arg(), per_page=REVIEWS_PER_PAGE, sort=sort)
    if reviews.is_past_the_end:
        abort(404)
    return render(
        "storefront/catalog/reviews.html",
        "more_reviews",
        product=product,
        reviews=reviews,
        rating=catalog.rating_summary(product.id),
        **product_page.review_list_context(reviews, sort),
    )


# ---------------------------------------------------------------- search engines


@bp.get("/sitemap.xml")
def sitemap():
    """A sitemap index: the shop's pages, then the products, up to 10,000 a file."""
    files = [url_for("storefront.sitemap_pages", _external=True)] + [
        url_for("storefront.sitemap_products", part=part, _external=True) for part in catalog.sitemap_product_parts()
    ]
    return _xml(render_template("storefront/seo/sitemap_index.xml", files=files))


@bp.get("/sitemaps/pages.xml")
def sitemap_pages():
    tree = catalog.category_tree()
    urls = [("storefront.home", {}), ("storefront.search", {}), ("storefront.skin_types", {})]
    urls += [("storefront.category", {"slug": c.slug}) for c in tree.categories]
    urls += [("storefront.skin_type", {"skin_type": t.value}) for t in SkinType]
    entries = [(url_for(endpoint, _external=True, **values), None) for endpoint, values in urls]
    return _xml(render_template("storefront/seo/sitemap.xml", entries=entries))


@bp.get("/sitemaps/products-<int:part>.xml")
def sitemap_products(part: int):
    """One file of product URLs, sent as it is drawn (10,000 products are about 4 MB of XML)."""
    rows = catalog.sitemap_products(part) if part >= 1 else []
    if not rows:
        abort(404)
    entries = [(url_for("storefront.product_detail", slug=row.slug, _external=True), row.updated_at) for row in rows]
    # The addresses are built here, in the request: drawing the file needs no context, so it can be
    # drawn while it is sent.
    template = current_app.jinja_env.get_template("storefront/seo/sitemap.xml")
    return Response(template.generate(entries=entries), mimetype="application/xml")


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /account/",
        "Disallow: /cart",
        "Disallow: /checkout",
        "Disallow: /api/",
        "Disallow: /ml/",
        "Disallow: /search/",
        "Allow: /",
        f"Sitemap: {url_for('storefront.sitemap', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


_IMMUTABLE_UPLOAD = re.compile(r"products/\d+/[0-9a-f]{32}(-thumb)?\.webp")


@bp.get("/uploads/<path:filename>")
def uploads(filename: str):
    """Product and category images from UPLOAD_PATH (a CDN or nginx serves them in production)."""
    response = send_from_directory(current_app.config["UPLOAD_PATH"], filename, max_age=86400)
    if response.status_code == 200 and _IMMUTABLE_UPLOAD.fullmatch(filename):
        # A photo staff uploaded is stored under a new random name and never rewritten (a
        # replaced photo is a new file): browsers may keep it for a year. The seed's photos
        # and category images keep their names, so a day.
        response.cache_control.max_age = 31536000
        response.cache_control.public = True
        response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- back-in-stock alerts


@bp.post("/products/<slug>/stock-alert")
def ask_stock_alert(slug: str):
    """'Email me when it is back' on a sold-out size or shade: signed in, their account's
    email; else the one typed. HTMX swaps the form for the answer; without it, back to the
    product page (or the page again, 4xx, with the reason)."""
    product = catalog.get_public_product(slug)
    if product is None:
        abort(404)
    form = StockAlertForm()
    email = current_user.email if current_user.is_authenticated else (form.email.data or "")
    error: str | None = None
    status = 200
    if not form.validate():
        error, status = first_error(form), 422
    else:
        try:
            alert = alerts.ask(
                form.variant,
                email,
                user_id=current_user.id if current_user.is_authenticated else None,
                locale=current_locale(),
                ip_address=request.remote_addr,
            )
        except ShopError as exc:
            error, status = str(exc.message), error_status(exc)
    if error is None:
        if is_htmx_fragment_request():
            return render_template("storefront/catalog/_stock_alert_done.html", alert=alert)
        flash(_("We will email you once when it is back in stock."), "success")
        return redirect(url_for("storefront.product_detail", slug=product.slug, variant=form.variant), 303)
    if is_htmx_fragment_request():
        return toast(error, "error", status=status)
    parts = product_page.shared_parts(product.slug, form.variant, alert_error=error, alert_email=email)
    return product_page.render_page(parts), status


@bp.route("/stock-alerts/<token>/cancel", methods=["GET", "POST"])
def cancel_stock_alert(token: str):
    """Cancel a back-in-stock alert from the link shown when it was asked for: GET asks to
    confirm (a link opened by a mail scanner cancels nothing), POST cancels."""
    form = ActionForm()
    alert = alerts.find(token)
    if alert is None:
        abort(404)
    cancelled = False
    if request.method == "POST" and form.validate():
        alert = alerts.cancel(token)
        cancelled = True
    return render_template("storefront/catalog/stock_alert_cancel.html", alert=alert, form=form, cancelled=cancelled)
