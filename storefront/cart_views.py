"""The cart page and the add-to-cart buttons.

Every action is a plain form POST that redirects (no JavaScript needed); with HTMX the same URL
answers with the cart body (or a toast), the header badge out of band and `HX-Trigger:
cartChanged`. Guests' carts live in their session, signed-in shoppers' in the database; the
rules (stock caps, prices, coupons) are shop.cart.services'.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import flash, g, has_request_context, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.cart import services as cart
from shop.errors import ShopError
from shop.infra import redis_copies
from shop.orders.services import MAX_QUANTITY
from shop.reviews import services as reviews
from shop.skin.conflicts import find_conflicts
from shop.wishlist import services as wishlist
from storefront import bp
from storefront import tracking as track
from storefront.shopping_forms import ActionForm, AddToCartForm, CouponForm, QuantityForm
from web.auth import safe_next_url
from web.forms import error_status, show_service_error
from web.htmx import is_htmx_fragment_request, render
from web.responses import private

CART_PAGE = "storefront/cart/cart.html"
CART_CHANGED = "cartChanged"


# ---------------------------------------------------------------- helpers shared by the shopping pages


def cart_owner() -> cart.Owner:
    """The signed-in shopper's cart, or the guest's (kept in the session)."""
    if current_user.is_authenticated:
        return cart.Owner(user_id=current_user.id)
    return cart.Owner(guest=session)


def shopper_email() -> str | None:
    return current_user.email if current_user.is_authenticated else None


def back_to(default: str) -> str:
    """The form's `next` when it is a path on this site, else `default`."""
    return safe_next_url(request.form.get("next")) or default


def first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("The request could not be understood. Please check what you entered.")


def toast(message: str, category: str = "success", *, status: int = 200, link: tuple | None = None):
    """An HTMX answer: a toast and the header badge, both out of band."""
    body = render_template("partials/toast.html", message=message, category=category, link=link)
    return private(make_response(body), status)


def sign_in_first(next_url: str, message: str | None = None):
    """Send a visitor to the sign-in page, back to `next_url` afterwards (HTMX: HX-Redirect)."""
    flash(message or _("Please sign in to see this page."), "info")
    target = url_for("storefront.login", next=next_url)
    if is_htmx_fragment_request():
        response = make_response("")
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def shopper_required(next_url: Callable[..., str]):
    """`login_required` for buttons (POST): after signing in the shopper returns to the page
    (`next_url(**view_args)`), not to the button's URL, which only answers POST."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return sign_in_first(next_url(**kwargs))
            return view(*args, **kwargs)

        return wrapper

    return decorate


def read_shopper_copies() -> None:
    """The signed-in shopper's copies in Redis that a shop page reads (the cart badge, the hearts,
    their reviews on a product page), in one round trip instead of one each; once per request."""
    if g.get("shopper_copies_read") or not current_user.is_authenticated:
        return
    g.shopper_copies_read = True
    user_id = current_user.id
    redis_copies.read_together([cart.copy_key(user_id), wishlist.copy_key(user_id), reviews.copy_key(user_id)])


def in_wishlist(product_id: int) -> bool:
    """Whether the signed-in shopper saved this product (read once per page, when asked)."""
    ids = g.get("wishlist_ids")
    if ids is None:  # asked for every card: who the shopper is is looked up once
        read_shopper_copies()
        ids = g.wishlist_ids = wishlist.product_ids(current_user.id) if current_user.is_authenticated else frozenset()
    return product_id in ids


FRAGMENT_DOM_IDS = 100_000


def dom_id(prefix: str) -> str:
    """An element id unique within this response (a product can be on a page twice), and within
    the page a fragment is loaded into: an HTMX fragment (the home page's "Recommended for you")
    numbers its ids from 100,000 up, so they never repeat the page's own."""
    g.dom_ids = g.get("dom_ids", 0) + 1
    first = FRAGMENT_DOM_IDS if request.headers.get("HX-Request") and request.method == "GET" else 0
    return f"{prefix}-{first + g.dom_ids}"


@bp.app_context_processor
def _shopping_globals() -> dict:
    """The header's cart badge count on every shop page, and the wishlist hearts' state."""
    if not has_request_context() or request.blueprint not in (None, "storefront"):
        return {}
    read_shopper_copies()
    return {"cart_count": cart.count(cart_owner()), "in_wishlist": in_wishlist, "dom_id": dom_id}


# ---------------------------------------------------------------- the cart page


def _cart_page(status: int = 200, *, coupon_form=None, line_errors=None, message=None):
    from storefront.delivery_views import (
        estimate_context as delivery_estimate_context,
    )

    owner = cart_owner()
    view = cart.view(owner, email=shopper_email())
    if coupon_form is None:
        coupon_form = CouponForm(formdata=None)
        if view.coupon_error is not None:  # kept on the cart, but no longer applies
            coupon_form.coupon_code.data = cart.coupon_code(owner)
            coupon_form.coupon_code.errors = [str(view.coupon_error.message)]
    response = render(
        CART_PAGE,
        "cart_body",
        view=view,
        coupon_form=coupon_form,
        action_form=ActionForm(formdata=None),
        line_errors=line_errors or {},
        stale_coupon=view.coupon_error is not None,
        status_message=message,
        fragment=is_htmx_fragment_request(),
        conflicts=find_conflicts([line.product for line in view.lines]),
        **delivery_estimate_context(view.quote.subtotal if view.quote else None),
    )
    return private(response, status)


def _changed(message: str, *, notice: str | None = None):
    """After a change: the cart body for HTMX, else back to the cart page (POST, redirect, GET)."""
    if is_htmx_fragment_request():
        response = _cart_page(message=" ".join(filter(None, (message, notice))))
        response.headers["HX-Trigger"] = CART_CHANGED
        return response
    flash(message, "success")
    if notice:
        flash(notice, "info")
    return redirect(url_for("storefront.cart"), 303)


def _stock_notice(wanted: int, got: int) -> str | None:
    if got < wanted:
        return _("Only %(count)s left in stock.", count=got)
    return None


@bp.get("/cart", endpoint="cart")
def cart_page():
    return _cart_page()


@bp.post("/cart/add")
def cart_add():
    """From a product page or card: add, then a toast (HTMX) or back to the page."""
    form = AddToCartForm()
    back = back_to(url_for("storefront.cart"))
    if not form.validate():
        return _add_failed(first_error(form), 422, back)
    owner = cart_owner()
    before = sum(
        item.quantity
        for item in cart.basket(owner)
        if item.product_id == form.product and form.variant in (None, item.variant_id)
    )
    try:
        quantity = cart.add_item(owner, form.product, form.amount, form.variant, any_in_stock=form.variant is None)
    except ShopError as error:
        return _add_failed(str(error.message), error_status(error), back)
    track.cart_add(form.product, form.amount)
    message = _("Added to your cart.")
    notice = _stock_notice(min(before + form.amount, MAX_QUANTITY), quantity)
    if is_htmx_fragment_request():
        response = toast(" ".join(filter(None, (message, notice))), link=(url_for("storefront.cart"), _("View cart")))
        response.headers["HX-Trigger"] = CART_CHANGED
        return response
    flash(message, "success")
    if notice:
        flash(notice, "info")
    return redirect(back, 303)


def _add_failed(message: str, status: int, back: str):
    if is_htmx_fragment_request():
        return toast(message, "error", status=status)
    page = render_template("storefront/cart/add_failed.html", message=message, back=back)
    return private(make_response(page), status)


@bp.post("/cart/items/<int:product_id>")
def cart_update(product_id: int):
    """A line's new quantity (the − and + buttons step it by one)."""
    form = QuantityForm()
    if not form.validate():
        return _cart_page(422, line_errors={product_id: first_error(form)})
    try:
        quantity = cart.set_quantity(cart_owner(), product_id, form.amount, request.args.get("variant", type=int))
    except ShopError as error:
        return _cart_page(error_status(error), line_errors={product_id: str(error.message)})
    return _changed(_("Your cart was updated."), notice=_stock_notice(form.amount, quantity))


@bp.post("/cart/items/<int:product_id>/remove")
def cart_remove(product_id: int):
    cart.remove_item(cart_owner(), product_id, request.args.get("variant", type=int))
    return _changed(_("Removed from your cart."))


@bp.post("/cart/coupon")
def cart_apply_coupon():
    form = CouponForm()
    if not form.validate():
        return _cart_page(422, coupon_form=form)
    try:
        cart.apply_coupon(cart_owner(), form.coupon_code.data, email=shopper_email())
    except ShopError as error:
        show_service_error(form, error)
        return _cart_page(error_status(error), coupon_form=form)
    return _changed(_("Coupon applied."))


@bp.post("/cart/coupon/remove")
def cart_remove_coupon():
    cart.remove_coupon(cart_owner())
    return _changed(_("Coupon removed."))
