"""Checkout: delivery address and method, payment, a review of exactly what will be charged,
then "Place order".

The review is rendered with a fresh idempotency key and the total it shows; "Place order"
posts both back (`expected_total`, `idempotency_key`), so a double click or a resubmitted form
returns the first order, and a price that moved in between is refused (PriceChanged) instead of
charged. Everything the order needs is posted again and re-checked by
shop.orders.services.place_order, in one transaction: on any refusal nothing is written and the
review is shown again with the reason.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.accounts import services as accounts
from shop.cart import services as cart
from shop.errors import NotFound, ShopError
from shop.orders import services as orders
from shop.orders.shipping import methods as shipping_methods
from shop.orders.shipping import shipping_rate
from storefront import bp
from storefront import tracking as track
from storefront.cart_views import cart_owner, shopper_required
from storefront.shopping_forms import ADDRESS_FIELDS, NEW_ADDRESS, CheckoutForm, PlaceOrderForm
from web.forms import error_status, show_service_error
from web.htmx import render
from web.responses import private

CHECKOUT_PAGE = "storefront/checkout/checkout.html"
REVIEW_PAGE = "storefront/checkout/review.html"
DEFAULT_COUNTRY = "Cambodia"
# What the checkout form chose; the review posts it again with "Place order" (or "Change").
CHOICES = ("address_id", *ADDRESS_FIELDS, "save_address", "shipping_method", "payment_method", "notes")


def _to_checkout(**_view_args) -> str:
    return url_for("storefront.checkout")


def _book() -> list:
    """The shopper's delivery addresses (default first)."""
    return [a for a in accounts.list_addresses(current_user.id) if a.type == "shipping"]


def _address(form: CheckoutForm) -> dict:
    """The delivery address the form names, as the order stores it."""
    if form.new_address:
        return form.typed_address()
    address_id = form.book_address_id
    if address_id is None:  # the form's validation asks for one; never trust a caller to have run it
        raise ShopError(_("Choose a delivery address."), field="address_id")
    try:
        return accounts.get_address(current_user.id, address_id).as_snapshot()
    except NotFound as error:
        raise ShopError(_("Choose a delivery address."), field="address_id") from error


def _rates_for(form: CheckoutForm) -> dict | None:
    """The address the delivery rates are shown for, when there is one yet."""
    if form.new_address:
        return {"city": form.city.data} if form.city.data else None
    if form.book_address_id:
        try:
            return _address(form)
        except ShopError:
            return None
    return None


def _delivery_options(address: dict | None) -> list[dict]:
    """Each method with its rate for `address` (None: not offered there); both rates when no
    address is chosen yet."""
    options = []
    for method in shipping_methods().values():
        options.append(
            {
                "method": method,
                "rate": shipping_rate(method.code, address) if address else None,
                "available": address is None or shipping_rate(method.code, address) is not None,
            }
        )
    return options


def _cart_or_redirect():
    view = cart.view(cart_owner(), email=current_user.email)
    if view.is_empty:
        flash(_("Your cart is empty."), "info")
        return view, redirect(url_for("storefront.cart"), 303)
    return view, None


def _checkout_page(form: CheckoutForm, status: int = 200):
    address = _rates_for(form)
    response = render(
        CHECKOUT_PAGE,
        "delivery_options",
        form=form,
        book=_book(),
        options=_delivery_options(address),
        rates_address=address,
        new_address_value=NEW_ADDRESS,
    )
    return private(response, status)


@bp.get("/checkout", endpoint="checkout")
@login_required
def checkout_page():
    view, empty = _cart_or_redirect()
    if empty:
        return empty
    book = _book()
    default = next((a for a in book if a.is_default), book[0] if book else None)
    form = CheckoutForm(
        formdata=None,
        address_id=str(default.id) if default else NEW_ADDRESS,
        country=DEFAULT_COUNTRY,
        shipping_method="standard",
        payment_method="cod",
    )
    return _checkout_page(form)


@bp.post("/checkout")
@shopper_required(_to_checkout)
def checkout_edit():
    """Back from the review ("Change"), or HTMX asking for the delivery rates of another
    address: the form as posted, not checked yet."""
    return _checkout_page(CheckoutForm())


@bp.post("/checkout/review")
@shopper_required(_to_checkout)
def checkout_review():
    view, empty = _cart_or_redirect()
    if empty:
        return empty
    form = CheckoutForm()
    if not form.validate():
        return _checkout_page(form, 422)
    try:
        return _review_page(form, view)
    except ShopError as error:
        show_service_error(form, error)
        return _checkout_page(form, error_status(error))


def _review_page(form: CheckoutForm, view: cart.CartView, *, error: ShopError | None = None, status: int = 200):
    """The order as it would be placed now, with a new idempotency key for "Place order"."""
    address = _address(form)
    quote = orders.quote(
        cart.basket(cart_owner()),
        user_id=current_user.id,
        email=current_user.email,
        coupon_code=view.coupon_code,
        shipping_method=form.shipping_method.data,
        shipping_address=address,
    )
    chosen = {name: form[name].data for name in CHOICES}
    place = PlaceOrderForm(
        formdata=None,
        data={
            **chosen,
            "expected_total": f"{quote.total:.2f}",
            "coupon_code": view.coupon_code or "",
            "idempotency_key": secrets.token_urlsafe(24),
        },
    )
    page = render_template(
        REVIEW_PAGE,
        form=place,
        hidden=[*CHOICES, "expected_total", "coupon_code", "idempotency_key"],
        quote=quote,
        address=address,
        view=view,
        method=shipping_methods()[form.shipping_method.data],
        payment=orders.PAYMENT_METHODS[form.payment_method.data],
        error=error,
    )
    return private(make_response(page), status)


@bp.post("/checkout/place")
@shopper_required(_to_checkout)
def checkout_place():
    form = PlaceOrderForm()
    if not form.validate():
        for name in ("expected_total", "coupon_code", "idempotency_key"):  # not shown as fields
            form.form_errors.extend(str(message) for message in form[name].errors)
            form[name].errors = []
        return _checkout_page(form, 422)
    owner = cart_owner()
    try:
        address = _address(form)
        order = orders.place_order(
            orders.Checkout(
                items=cart.basket(owner),
                email=current_user.email,
                user_id=current_user.id,
                customer_name=current_user.full_name,
                shipping_address=address,
                shipping_method=form.shipping_method.data,
                payment_method=form.payment_method.data,
                coupon_code=form.coupon_code.data or None,
                notes=form.notes.data or None,
                idempotency_key=form.idempotency_key.data,
                expected_total=Decimal(form.expected_total.data),
                from_cart_of=current_user.id,
            )
        )
    except ShopError as error:
        return _refused(form, error)
    track.purchase(order)
    if form.new_address and form.save_address.data:
        _save_to_book(address)
    return redirect(url_for("storefront.order_detail", order_id=order.id, placed=1), 303)


def _refused(form: PlaceOrderForm, error: ShopError):
    """Nothing was written: the review again, priced afresh, with the reason."""
    if isinstance(error, orders.CartAlreadyOrdered):  # sent twice: the first request placed it
        flash(str(error.message), "info")
        return redirect(url_for("storefront.order_detail", order_id=error.details["order_id"]), 303)
    view, empty = _cart_or_redirect()
    if empty:
        return empty
    try:
        return _review_page(form, view, error=error, status=error_status(error))
    except ShopError as again:  # the address or delivery method no longer works
        show_service_error(form, again)
        return _checkout_page(form, error_status(again))


def _save_to_book(address: dict) -> None:
    """Keep a new delivery address, unless the book already has the same one (a resubmitted
    form returns the same order and must not add it twice)."""
    if any(saved.as_snapshot() == address for saved in _book()):
        return
    accounts.add_address(current_user.id, {**address, "type": "shipping"})
