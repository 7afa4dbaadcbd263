"""Catalog emails, sent by RQ jobs after commit: back-in-stock alerts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop.catalog import alerts
from shop.catalog.models import BackInStockAlert, ProductStatus, ProductVariant
from shop.extensions import db
from shop.i18n import localized
from shop.infra.urls import external_url
from shop.jobs import retried
from shop.mail import send_email


@retried("MAIL_RETRY_INTERVALS")
def send_back_in_stock(variant_id: int) -> None:
    """'It is back': one email to each shopper waiting for the variant, in their language,
    with a link straight to it. Each alert is claimed before its email goes, so it is used
    once; an email that fails gives its alert back to the retry."""
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or not variant.is_in_stock or variant.archived_at is not None:
        return  # sold out again before the job ran: the alerts keep waiting
    product = variant.product
    if product.status != ProductStatus.ACTIVE:
        return
    failed: list[int] = []
    error: Exception | None = None
    for alert_id, email, locale, _token in alerts.claim(variant.id):
        link = external_url("storefront.product_detail", slug=product.slug, variant=variant.id, lang=locale)
        with force_locale(locale):
            name = localized(product, "name")
            option = localized(variant, "option_value")
            context = {"name": name, "option": option, "link": link, "locale": locale}
            try:
                send_email(
                    email,
                    str(_l("%(name)s is back in stock", name=f"{name} ({option})" if option else name)),
                    render_template("email/back_in_stock.txt", **context),
                    render_template("email/back_in_stock.html", **context),
                )
            except Exception as exc:
                failed.append(alert_id)
                error = exc
    if error is not None:
        db.session.execute(sa.update(BackInStockAlert).where(BackInStockAlert.id.in_(failed)).values(notified_at=None))
        db.session.commit()
        raise error
