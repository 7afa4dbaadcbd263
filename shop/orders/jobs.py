"""Order emails, sent by RQ jobs after commit, in the shopper's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop.accounts.models import User
from shop.extensions import db
from shop.i18n import normalize_locale
from shop.infra.urls import external_url
from shop.jobs import retried
from shop.mail import send_email
from shop.orders.guests import order_token
from shop.orders.models import Order


@retried("MAIL_RETRY_INTERVALS")
def send_order_confirmation(order_id: int, locale: str | None = None) -> None:
    """'Thank you for your order' with the items and totals, and for a guest the signed link to
    the order page (in the language they ordered in: the order's customer_language; `locale`
    is for jobs queued before migration 0014 kept it there)."""
    order = db.session.get(Order, order_id)
    if order is not None:
        _send(order, _l("Your order %(number)s", number=order.order_number), "order_confirmation", locale)


@retried("MAIL_RETRY_INTERVALS")
def send_shipping_notice(order_id: int) -> None:
    """'Your order is on its way' with the tracking number, in the shopper's language."""
    order = db.session.get(Order, order_id)
    if order is not None and order.tracking_number:
        _send(order, _l("Your order %(number)s is on its way", number=order.order_number), "order_shipped")


def _send(order: Order, subject, template: str, guest_locale: str | None = None) -> None:
    """Email the order's customer in their language (an account's, else the one the guest
    ordered in, else English), from templates/email/<template>.txt and .html."""
    user = db.session.get(User, order.user_id) if order.user_id else None
    if user:
        locale = normalize_locale(user.language.value) or "en"
    else:
        locale = normalize_locale(order.customer_language) or normalize_locale(guest_locale) or "en"
    link = None if user else external_url("storefront.guest_order", token=order_token(order))
    with force_locale(locale):
        context = {"order": order, "locale": locale, "order_link": link}
        send_email(
            order.customer_email,
            str(subject),
            render_template(f"email/{template}.txt", **context),
            render_template(f"email/{template}.html", **context),
        )
