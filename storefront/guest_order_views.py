"""A guest's order: the page behind the confirmation email's signed link, finding an order by
its number and the email or phone it was placed with, and turning the guest into an account
(its guest orders join the account once the email is verified: shop.orders.guests)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from shop.accounts import limits
from shop.accounts import services as accounts
from shop.delivery import services as delivery
from shop.errors import ShopError, TooManyAttempts
from shop.extensions import limiter
from shop.i18n import current_locale, to_db_language
from shop.orders import guests
from shop.orders import services as orders
from shop.orders.fulfilment import payment_label
from shop.orders.models import Order
from shop.payments.services import awaits_payment
from storefront import bp
from storefront.order_views import ordered_products
from web.account_forms import confirm_field, new_password_field
from web.auth import sign_in
from web.forms import REQUIRED, MaxLength, error_status, show_service_error, strip
from web.responses import private

LOOKUP_LIMIT = "30 per hour"


class LookupForm(FlaskForm):
    order_number = StringField(_l("Order number"), filters=[strip], validators=[DataRequired(REQUIRED), MaxLength(50)])
    contact = StringField(
        _l("Email or phone used for the order"), filters=[strip], validators=[DataRequired(REQUIRED), MaxLength(255)]
    )


class GuestAccountForm(FlaskForm):
    password = new_password_field(_l("Password"))
    confirm = confirm_field("password")


def _guest_order(token: str) -> Order:
    order = guests.order_from_token(token)
    if order is None:
        abort(404)
    return order


def _page(order: Order, token: str, *, account_form: GuestAccountForm | None = None, status: int = 200):
    products = ordered_products(order)
    body = render_template(
        "storefront/orders/guest.html",
        order=order,
        token=token,
        products=products,
        status_label=orders.status_label,
        delivery=delivery.method_name(order.shipping_method, order.shipping_address),
        payment=orders.PAYMENT_METHODS.get(order.payment_method, order.payment_method),
        placed=request.args.get("placed") == "1",
        account_form=account_form or GuestAccountForm(formdata=None),
        offer_account=order.user_id is None and not current_user.is_authenticated,
        payment_label=payment_label,
        pay_url=url_for("storefront.guest_order_payment", token=token) if awaits_payment(order) else None,
    )
    response = private(make_response(body), status)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/orders/guest/<token>", endpoint="guest_order")
def guest_order(token: str):
    """The order page of the confirmation email's link (anyone with the link may see it)."""
    return _page(_guest_order(token), token)


@bp.post("/orders/guest/<token>/account")
@limits.register
def guest_account(token: str):
    """Make an account with the order's email: after the email is verified, the guest orders
    placed with it become the account's."""
    order = _guest_order(token)
    form = GuestAccountForm()
    if not form.validate():
        return _page(order, token, account_form=form, status=422)
    address = order.shipping_address or {}
    try:
        user = accounts.register(
            order.customer_email,
            form.password.data,
            first_name=address.get("first_name"),
            last_name=address.get("last_name"),
            phone=order.customer_phone,
            language=to_db_language(current_locale()),
        )
    except ShopError as error:
        show_service_error(form, error)
        return _page(order, token, account_form=form, status=error_status(error))
    sign_in(user)
    flash(
        _("Your account is made. Confirm your email with the link we sent, and your orders will appear in it."),
        "success",
    )
    return redirect(url_for("storefront.guest_order", token=token), 303)


@bp.route("/orders/lookup", methods=["GET", "POST"])
@limiter.limit(LOOKUP_LIMIT, methods=["POST"])
def order_lookup():
    """Find an order by its number and the email or phone it was placed with. The answer is
    the same whether no such order exists or the email or phone is not its."""
    form = LookupForm()
    status = 200
    headers: dict[str, str] = {}
    if form.is_submitted():
        if not form.validate():
            status = 422
        else:
            try:
                order = guests.lookup_order(form.order_number.data, form.contact.data, ip=request.remote_addr)
            except ShopError as error:
                form.form_errors.append(str(error.message))
                status = error_status(error)
                if isinstance(error, TooManyAttempts):
                    headers["Retry-After"] = str(error.retry_after)
            else:
                return redirect(url_for("storefront.guest_order", token=guests.order_token(order)), 303)
    response = private(make_response(render_template("storefront/orders/lookup.html", form=form)), status)
    response.headers.update(headers)
    return response
