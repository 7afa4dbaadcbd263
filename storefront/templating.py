"""Template filters and globals shared by the storefront and the admin."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, request, url_for

from shop.accounts.phones import display_phone
from shop.accounts.provinces import find_province
from shop.catalog.vocab import concern_label, skin_type_label
from shop.i18n import current_locale, localized, money


def lang_url(code: str) -> str:
    """The current page's URL in another language."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    if request.endpoint is None:
        return url_for("storefront.home", lang=code)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def province_name(code: str | None) -> str:
    """A province code (KH-12) in the page's language; anything else as it is."""
    province = find_province(code)
    return province.name if province else (code or "")


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(province_name, "province_name")
    app.add_template_filter(display_phone, "phone")
    app.add_template_filter(money, "money")
    app.add_template_filter(localized, "localized")
    app.add_template_filter(skin_type_label, "skin_type_label")
    app.add_template_filter(concern_label, "concern_label")
    app.add_template_global(lang_url, "lang_url")

    @app.context_processor
    def _globals() -> dict:
        return {"current_locale": current_locale(), "now_year": datetime.now(UTC).year}
