"""Checkout, for signed-in shoppers and guests alike: delivery address and method, payment, a
review of exactly what will be charged, then "Place order". Every step shows the order summary.

The review is rendered with a fresh idempotency key and the total it shows; "Place order"
posts both back (`expected_total`, `idempotency_key`), so a double click or a resubmitted form
returns the first order, and a price that moved in between is refused (PriceChanged) instead of
charged. Everything the order needs is posted again and re-checked by
shop.orders.services.place_order, in one transaction: on any refusal nothing is written and the
review is shown again with the reason.

A guest (not signed in) types their email and a delivery address; their order page is reached
by the signed link of the confirmation (storefront.guest_order_views).
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from flask import flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts import services as accounts
from shop.accounts.addresses import clean_address
from shop.cart import services as cart
from shop.delivery import services as delivery
from shop.errors import NotFound, ShopError
from shop.i18n import current_locale
from shop.orders import guests
from shop.orders import services as orders
from shop.payments import services as payments
from storefront import bp
from storefront import tracking as track
from storefront.cart_views import cart_owner
from storefront.delivery_views import remember_province, remembered_province
from storefront.shopping_forms import (
    ADDRESS_FIELDS,
    NEW_ADDRESS,
    CheckoutForm,
    GuestCheckoutForm,
    GuestPlaceOrderForm,
    PlaceOrderForm,
)
from web.forms import error_status, show_service_error
from web.htmx import render
from web.responses import private

CHECKOUT_PAGE = "storefront/checkout/checkout.html"
REVIEW_PAGE = "storefront/checkout/review.html"
# What the checkout form chose; the review posts it again with "Place order" (or "Change").
CHOICES = ("address_id", *ADDRESS_FIELDS, "save_address", "shipping_method", "payment_method", "currency", "notes")
GUEST_CHOICES = ("email", *CHOICES)
GUEST_ORDERS = "guest_orders"  # the session's list of orders this guest placed (to offer an account)


def _is_guest() -> bool:
    return not current_user.is_authenticated


def _checkout_form() -> CheckoutForm:
    return GuestCheckoutForm() if _is_guest() else CheckoutForm()


def _place_form() -> PlaceOrderForm:
    return GuestPlaceOrderForm() if _is_guest() else PlaceOrderForm()


def _choices() -> tuple[str, ...]:
    return GUEST_CHOICES if _is_guest() else CHOICES


def _email(form: CheckoutForm) -> str | None:
    return current_user.email if not _is_guest() else (form.email.data or None)


def _book() -> list:
    """The shopper's delivery addresses (default first); a guest has none."""
    if _is_guest():
        return []
    return [a for a in accounts.list_addresses(current_user.id) if a.type == "shipping"]


def _address(form: CheckoutForm) -> dict:
    """The delivery address the form names, checked, as the order stores it."""
    if _is_guest() or form.new_address:
        return clean_address(form.typed_address())
    address_id = form.book_address_id
    if address_id is None:  # the form's validation asks for one; never trust a caller to have run it
        raise ShopError(_("Choose a delivery address."), field="address_id")
    try:
        return accounts.get_address(current_user.id, address_id).as_snapshot()
    except NotFound as error:
        raise ShopError(_("Choose a delivery address."), field="address_id") from error


def _rates_for(form: CheckoutForm) -> dict | None:
    """The address the delivery methods are shown for, when there is one yet."""
    if _is_guest() or form.new_address:
        return {"province": form.province.data} if form.province.data else None
    if form.book_address_id:
        try:
            return _address(form)
        except ShopError:
            return None
    return None


def _delivery_options(address: dict | None, subtotal: Decimal) -> tuple[list[dict], ShopError | None]:
    """The methods of the address's zone with what each costs for this cart, or why there are
    none (an unknown province, a zone without methods)."""
    if address is None:
        return [], None
    try:
        options = delivery.options_for(address)
    except ShopError as error:
        return [], error
    return [{"option": o, "charge": o.charge(subtotal), "missing": o.missing_for_free(subtotal)} for o in options], None


def _summary(view: cart.CartView, form: CheckoutForm, address: dict | None) -> tuple[orders.Quote | None, bool]:
    """The order summary of step 1: the cart priced with the chosen delivery when it can be
    priced yet (and whether it was), else without delivery."""
    basket = cart.basket(cart_owner())
    email = _email(form)
    common: dict[str, Any] = {
        "user_id": None if _is_guest() else current_user.id,
        "email": email,
        "coupon_code": view.coupon_code,
        "customer_checked_later": _is_guest() and not email,
    }
    if address is not None and form.shipping_method.data:
        try:
            return orders.quote(
                basket, shipping_method=form.shipping_method.data, shipping_address=address, **common
            ), True
        except ShopError:
            pass
    try:
        return orders.quote(basket, **common), False
    except ShopError:
        return view.quote, False


def _cart_or_redirect():
    view = cart.view(cart_owner(), email=None if _is_guest() else current_user.email)
    if view.is_empty:
        flash(_("Your cart is empty."), "info")
        return view, redirect(url_for("storefront.cart"), 303)
    return view, None


def _checkout_page(form: CheckoutForm, view: cart.CartView, status: int = 200):
    address = _rates_for(form)
    summary, delivery_priced = _summary(view, form, address)
    options, no_delivery = _delivery_options(address, summary.subtotal if summary else Decimal("0.00"))
    response = render(
        CHECKOUT_PAGE,
        "delivery_options",
        form=form,
        guest=_is_guest(),
        book=_book(),
        options=options,
        no_delivery=no_delivery,
        rates_address=address,
        new_address_value=NEW_ADDRESS,
        summary=summary,
        delivery_priced=delivery_priced,
        view=view,
    )
    return private(response, status)


@bp.get("/checkout", endpoint="checkout")
def checkout_page():
    view, empty = _cart_or_redirect()
    if empty:
        return empty
    book = _book()
    default = next((a for a in book if a.is_default), book[0] if book else None)
    form_class = GuestCheckoutForm if _is_guest() else CheckoutForm
    form = form_class(
        formdata=None,
        address_id=str(default.id) if default else NEW_ADDRESS,
        province=remembered_province(),
        shipping_method="standard",
        payment_method="cod",
    )
    return _checkout_page(form, view)


@bp.post("/checkout")
def checkout_edit():
    """Back from the review ("Change"), or HTMX asking for the delivery methods of another
    address or province: the form as posted, not checked yet."""
    view, empty = _cart_or_redirect()
    if empty:
        return empty
    form = _checkout_form()
    if form.province.data and (_is_guest() or form.new_address):
        remember_province(form.province.data)
    return _checkout_page(form, view)


@bp.post("/checkout/review")
def checkout_review():
    view, empty = _cart_or_redirect()
    if empty:
        return empty
    form = _checkout_form()
    if not form.validate():
        return _checkout_page(form, view, 422)
    try:
        if _is_guest():
            guests.check_guest_email(form.email.data)
        return _review_page(form, view)
    except ShopError as error:
        show_service_error(form, error)
        return _checkout_page(form, view, error_status(error))


def _review_page(form: CheckoutForm, view: cart.CartView, *, error: ShopError | None = None, status: int = 200):
    """The order as it would be placed now, with a new idempotency key for "Place order"."""
    address = _address(form)
    quote = orders.quote(
        cart.basket(cart_owner()),
        user_id=None if _is_guest() else current_user.id,
        email=_email(form),
        phone=address.get("phone") if _is_guest() else None,
        coupon_code=view.coupon_code,
        shipping_method=form.shipping_method.data,
        shipping_address=address,
    )
    choices = _choices()
    chosen = {name: form[name].data for name in choices}
    place_class = GuestPlaceOrderForm if _is_guest() else PlaceOrderForm
    place = place_class(
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
        guest=_is_guest(),
        hidden=[*choices, "expected_total", "coupon_code", "idempotency_key"],
        quote=quote,
        address=address,
        view=view,
        method=delivery.option(form.shipping_method.data, address),
        payment=orders.PAYMENT_METHODS[form.payment_method.data],
        khqr_currency=form.khqr_currency,
        khqr_amount=payments.charge_amount(quote.total, form.khqr_currency)
        if form.payment_method.data == "khqr"
        else None,
        error=error,
    )
    return private(make_response(page), status)


@bp.post("/checkout/place")
def checkout_place():
    form = _place_form()
    if not form.validate():
        for name in ("expected_total", "coupon_code", "idempotency_key"):  # not shown as fields
            form.form_errors.extend(str(message) for message in form[name].errors)
            form[name].errors = []
        view, empty = _cart_or_redirect()
        return empty or _checkout_page(form, view, 422)
    owner = cart_owner()
    guest = _is_guest()
    try:
        address = _address(form)
        name = " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p)
        order = orders.place_order(
            orders.Checkout(
                items=cart.basket(owner),
                email=form.email.data if guest else current_user.email,
                user_id=None if guest else current_user.id,
                customer_name=(name or None) if guest else current_user.full_name,
                shipping_address=address,
                shipping_method=form.shipping_method.data,
                payment_method=form.payment_method.data,
                currency=form.khqr_currency,
                coupon_code=form.coupon_code.data or None,
                notes=form.notes.data or None,
                idempotency_key=form.idempotency_key.data,
                expected_total=Decimal(form.expected_total.data),
                from_cart_of=None if guest else current_user.id,
                locale=current_locale() if guest else None,
            )
        )
    except ShopError as error:
        return _refused(form, error)
    track.purchase(order)
    khqr = order.payment_method == "khqr"  # the next page is the QR to pay with
    if guest:
        cart.clear(owner)  # a guest's cart is in the session: emptied once the order stands
        session[GUEST_ORDERS] = [*session.get(GUEST_ORDERS, [])[-9:], order.id]
        token = guests.order_token(order)
        if khqr:
            return redirect(url_for("storefront.guest_order_payment", token=token), 303)
        return redirect(url_for("storefront.guest_order", token=token, placed=1), 303)
    if form.new_address and form.save_address.data:
        _save_to_book(address)
    if khqr:
        return redirect(url_for("storefront.order_payment", order_id=order.id), 303)
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
        return _checkout_page(form, view, error_status(again))


def _save_to_book(address: dict) -> None:
    """Keep a new delivery address, unless the book already has the same one (a resubmitted
    form returns the same order and must not add it twice)."""
    if any(saved.as_snapshot() == address for saved in _book()):
        return
    accounts.add_address(current_user.id, {**address, "type": "shipping"})
