"""The shop's information pages (delivery, returns, privacy...): `/pages/<slug>`, Markdown
written by staff, shown in the shopper's language. Rules: shop.content."""

from __future__ import annotations

from flask import abort, render_template, url_for

from shop.content import services as content
from shop.content.rendering import to_html
from shop.i18n import current_locale
from storefront import bp


@bp.get("/pages/<slug>")
def content_page(slug: str):
    page = content.get_page(slug)
    if page is None:
        abort(404)
    locale = current_locale()
    return render_template(
        "storefront/content/page.html",
        page=page,
        title=page.title(locale),
        body=to_html(page.body(locale)),
        canonical=url_for("storefront.content_page", slug=page.slug, lang=locale, _external=True),
    )
