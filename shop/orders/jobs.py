"""Order emails, sent by RQ jobs after commit, in the shopper's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop.accounts.models import User
from shop.extensions import db
from shop.i18n import normalize_locale
from shop.jobs import retried
from shop.mail import send_email
from shop.orders.models import Order


@retried("MAIL_RETRY_INTERVALS")
def send_order_confirmation(order_id: int) -> None:
    """'Thank you for your order' with the items and totals."""
    order = db.session.get(Order, order_id)
    if order is not None:
        _send(order, _l("Your order %(number)s", number=order.order_number), "order_confirmation")


@retried("MAIL_RETRY_INTERVALS")
def send_shipping_notice(order_id: int) -> None:
    """'Your order is on its way' with the tracking number, in the shopper's language."""
    order = db.session.get(Order, order_id)
    if order is not None and order.tracking_number:
        _send(order, _l("Your order %(number)s is on its way", number=order.order_number), "order_shipped")


def _send(order: Order, subject, template: str) -> None:
    """Email the order's customer in their language (an account's, else English), from
    templates/email/<template>.txt and .html."""
    user = db.session.get(User, order.user_id) if order.user_id else None
    locale = normalize_locale(user.language.value) if user else "en"
    with force_locale(locale):
        context = {"order": order, "locale": locale}
        send_email(
            order.customer_email,
            str(subject),
            render_template(f"email/{template}.txt", **context),
            render_template(f"email/{template}.html", **context),
        )
