"""The wishlist: the heart on product pages and cards (HTMX toggle, plain POST without
JavaScript) and the wishlist page (move to cart, remove, clear). Signed-in shoppers only."""

from __future__ import annotations

import re

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from shop.cart import services as cart
from shop.catalog.models import Product
from shop.errors import ShopError
from shop.extensions import db
from shop.wishlist import services as wishlist
from storefront import bp
from storefront.cart_views import (
    CART_CHANGED,
    back_to,
    cart_owner,
    shopper_required,
    sign_in_first,
    toast,
)
from storefront.shopping_forms import ActionForm
from web.forms import error_status
from web.htmx import is_htmx_fragment_request
from web.responses import private

WISHLIST_PAGE = "storefront/wishlist/wishlist.html"
HEART_ID = re.compile(r"^heart-[0-9]{1,6}$")


def _to_wishlist(**_view_args) -> str:
    return url_for("storefront.wishlist")


@bp.get("/wishlist", endpoint="wishlist")
@login_required
def wishlist_page():
    items = wishlist.list_items(current_user.id)
    page = render_template(WISHLIST_PAGE, items=items, action_form=ActionForm(formdata=None))
    return private(make_response(page))


@bp.post("/wishlist/toggle/<int:product_id>")
def wishlist_toggle(product_id: int):
    """The heart: save or forget. HTMX gets the new heart (`aria-pressed`) and a toast."""
    back = back_to(url_for("storefront.wishlist"))
    if not current_user.is_authenticated:
        return sign_in_first(back, _("Please sign in to save products to your wishlist."))
    try:
        saved = wishlist.toggle(current_user.id, product_id)
    except ShopError as error:
        if is_htmx_fragment_request():
            return toast(str(error.message), "error", status=error_status(error))
        raise
    message = _("Saved to your wishlist.") if saved else _("Removed from your wishlist.")
    if not is_htmx_fragment_request():
        flash(message, "success")
        return redirect(back, 303)
    heart = render_template(
        "storefront/wishlist/_heart.html",
        product=db.session.get(Product, product_id),
        saved=saved,
        next=back,
        heart_id=request.form.get("heart_id") if HEART_ID.match(request.form.get("heart_id", "")) else None,
    )
    body = heart + render_template("partials/toast.html", message=message, category="success", link=None)
    return private(make_response(body))


@bp.post("/wishlist/<int:product_id>/move-to-cart")
@shopper_required(_to_wishlist)
def wishlist_move_to_cart(product_id: int):
    """Into the cart (one), out of the wishlist; a sold-out product stays saved."""
    try:
        cart.add_item(cart_owner(), product_id, 1, any_in_stock=True)
    except ShopError as error:
        flash(str(error.message), "error")
        return redirect(url_for("storefront.wishlist"), 303)
    wishlist.remove(current_user.id, product_id)
    flash(_("Moved to your cart."), "success")
    response = redirect(url_for("storefront.wishlist"), 303)
    response.headers["HX-Trigger"] = CART_CHANGED
    return response


@bp.post("/wishlist/<int:product_id>/remove")
@shopper_required(_to_wishlist)
def wishlist_remove(product_id: int):
    wishlist.remove(current_user.id, product_id)
    flash(_("Removed from your wishlist."), "success")
    return redirect(url_for("storefront.wishlist"), 303)


@bp.post("/wishlist/clear")
@shopper_required(_to_wishlist)
def wishlist_clear():
    wishlist.clear(current_user.id)
    flash(_("Your wishlist is empty."), "success")
    return redirect(url_for("storefront.wishlist"), 303)
