"""Template filters and globals shared by the storefront and the admin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, request, url_for
from markupsafe import Markup

from shop.accounts.phones import display_phone
from shop.accounts.provinces import find_province
from shop.cart.services import quantity_limit
from shop.catalog.search import MAX_QUERY_LENGTH
from shop.catalog.vocab import concern_label, skin_type_label
from shop.i18n import current_locale, localized, money, money_and_riel, money_in, riel, spoken_riel
from shop.orders.services import MAX_QUANTITY
from shop.reviews.models import RATINGS_BEST_FIRST


def lang_url(code: str | None, external: bool = False) -> str:
    """The current page's URL in another language (`None`: without one, the x-default that
    follows the browser's language); `external` for the absolute URL that `hreflang` wants."""
    path_values = request.view_args or {}
    # A query parameter named like a path variable (`?address_id=` on /addresses/<address_id>)
    # must not replace it.
    args = {name: value for name, value in request.args.to_dict(flat=False).items() if name not in path_values}
    args.pop("lang", None)
    if code:
        args["lang"] = [code]
    if request.endpoint is None:
        return url_for("storefront.home", _external=external, **({"lang": code} if code else {}))
    values: dict[str, Any] = {**path_values, **args}
    return url_for(request.endpoint, _external=external, **values)


def money_riel(value: Any, sign: str = "") -> Markup:
    """Dollars with riel beside them: `$18.00 · ៛73,800`. The riel is its own element (shown
    smaller by .price-khr); screen readers hear "$18.00, 73,800 riel", not the sign. `sign`
    ("−" for a discount) goes before both figures."""
    if value is None:
        return Markup("")
    shown = Markup('<span aria-hidden="true"> · {}{}</span>').format(sign, riel(value))
    spoken = Markup('<span class="visually-hidden">, {}{}</span>').format(sign, spoken_riel(value))
    return Markup('{}{}<span class="price-khr">{}{}</span>').format(sign, money(value), shown, spoken)


def province_name(code: str | None) -> str:
    """A province code (KH-12) in the page's language; anything else as it is."""
    province = find_province(code)
    return province.name if province else (code or "")


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(province_name, "province_name")
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(money, "money")
    app.add_template_filter(riel, "riel")
    app.add_template_filter(money_riel, "money_riel")
    app.add_template_filter(money_and_riel, "money_riel_text")
    app.add_template_filter(money_in, "money_in")
    app.add_template_filter(localized, "localized")
    app.add_template_filter(skin_type_label, "skin_type_label")
    app.add_template_filter(concern_label, "concern_label")
    app.add_template_global(lang_url, "lang_url")
    # The shop's rules that templates show, from the services (never repeated as literals).
    app.add_template_global(quantity_limit, "quantity_limit")
    app.jinja_env.globals.update(
        MAX_QUANTITY=MAX_QUANTITY, RATINGS_BEST_FIRST=RATINGS_BEST_FIRST, MAX_QUERY_LENGTH=MAX_QUERY_LENGTH
    )

    @app.context_processor
    def _globals() -> dict:
        return {"current_locale": current_locale(), "now_year": datetime.now(UTC).year}
