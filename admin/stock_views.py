"""The staff's "Stock and prices" page: the sizes and shades of the products the filters find,
in one form with their stock, price and compare-at price, saved all at once or not at all
(shop.catalog.variant_bulk). Without JavaScript it is a POST and a redirect back to the same
filters; with HTMX the table is swapped in place, with a toast."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from jinja2_fragments.flask import render_block

from admin import bp, menu
from admin.access import admin_required
from admin.forms import ReorderForm
from admin.product_views import product_filters
from admin.support import actor, page_number, toast_html
from shop.catalog import variant_bulk
from shop.errors import ShopError
from shop.infra.inputs import parse_id
from shop.paging import Page
from web.auth import render_private
from web.forms import error_status
from web.htmx import is_htmx_fragment_request
from web.responses import private

menu.add("admin.products_stock", _l("Stock and prices"), order=21)
PER_PAGE = 50
TEMPLATE = "admin/products/stock.html"


def _here() -> str:
    """This page with the same filters and page number."""
    args: dict = request.args.to_dict()
    return url_for("admin.products_stock", **args)


def _typed() -> tuple[list[variant_bulk.Change], dict[int, dict[str, str]]]:
    """The rows the form sends (`ids`, and per variant `stock-<id>`, `price-<id>`,
    `compare_at_price-<id>` beside the values the page showed, `was_<field>-<id>`): a change
    for each row where something was edited, and everything typed, to show again."""
    changes: list[variant_bulk.Change] = []
    typed: dict[int, dict[str, str]] = {}
    for variant_id in dict.fromkeys(parse_id(i) for i in request.form.getlist("ids")):
        if variant_id is None:
            continue
        cells = {name: (request.form.get(f"{name}-{variant_id}") or "").strip() for name in variant_bulk.FIELDS}
        shown = {name: (request.form.get(f"was_{name}-{variant_id}") or "").strip() for name in variant_bulk.FIELDS}
        typed[variant_id] = cells
        edited = {name: value for name, value in cells.items() if value != shown[name]}
        if edited:
            seen = shown["stock"]
            expected = int(seen) if seen.isascii() and seen.isdigit() and len(seen) < 10 else None
            changes.append(variant_bulk.Change(variant_id, edited, expected_stock=expected))
    return changes, typed


@bp.route("/products/stock", methods=["GET", "POST"])
@admin_required
def products_stock():
    filters, criteria = product_filters()
    status, typed, problems, message = 200, {}, {}, None
    if request.method == "POST" and criteria is not None:
        if not ReorderForm().validate():  # the CSRF token
            abort(400)
        changes, typed = _typed()
        try:
            saved = variant_bulk.update_many(changes, actor=actor())
        except variant_bulk.ChangesRefused as refused:
            status, message = refused.status, str(refused.message)
            for problem in refused.problems:
                problems.setdefault(problem.variant_id, {})[problem.field or "stock"] = problem.message
        except ShopError as error:
            status, message = error_status(error), str(error.message)
        else:
            done = ngettext("%(num)s size or shade saved.", "%(num)s sizes or shades saved.", len(saved))
            if not is_htmx_fragment_request():
                flash(done, "success")
                return redirect(_here(), 303)
            return _answer(filters, criteria, 200, {}, {}, None, toast=done)
    elif criteria is None:
        status = 422
    return _answer(filters, criteria, status, typed, problems, message)


def _answer(filters, criteria, status, typed, problems, message, *, toast: str | None = None):
    page: Page = Page([], 1, PER_PAGE, 0)
    if criteria is not None:
        page = variant_bulk.list_variants(**criteria, page=page_number(), per_page=PER_PAGE)
    context = {
        "filters": filters,
        "page": page,
        "typed": typed,
        "problems": problems,
        "message": message,
        "form_url": _here(),
    }
    if is_htmx_fragment_request():
        body = render_block(TEMPLATE, "results", **context) + (toast_html(toast) if toast else "")
        response = private(make_response(body), status)
    else:
        response = render_private(TEMPLATE, status, **context)
    response.vary.add("HX-Request")
    return response
