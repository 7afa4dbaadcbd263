"""Template filters and globals shared by the storefront and the admin."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, request, url_for

from shop.catalog.vocab import concern_label, skin_type_label
from shop.i18n import current_locale, localized, money


def lang_url(code: str | None, external: bool = False) -> str:
    """The current page's URL in another language (`None`: without one, the x-default that
    follows the browser's language); `external` for the absolute URL that `hreflang` wants."""
    args = request.args.to_dict(flat=False)
    args.pop("lang", None)
    if code:
        args["lang"] = [code]
    if request.endpoint is None:
        return url_for("storefront.home", _external=external, **({"lang": code} if code else {}))
    return url_for(request.endpoint, _external=external, **(request.view_args or {}), **args)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(localized, "localized")
    app.add_template_filter(skin_type_label, "skin_type_label")
    app.add_template_filter(concern_label, "concern_label")
    app.add_template_global(lang_url, "lang_url")

    @app.context_processor
    def _globals() -> dict:
        return {"current_locale": current_locale(), "now_year": datetime.now(UTC).year}
