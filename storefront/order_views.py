"""The shopper's orders: history, detail with the status timeline, cancel, order again.
Another shopper's order is a 404 (shop.orders.services.get_order_for_user)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from shop.cart import services as cart
from shop.catalog.models import Product
from shop.delivery import services as delivery
from shop.errors import ShopError
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.fulfilment import payment_label
from shop.orders.models import Order
from shop.payments.services import awaits_payment
from storefront import bp
from storefront.cart_views import CART_CHANGED, cart_owner, shopper_required
from storefront.query import page_arg
from storefront.shopping_forms import ActionForm
from web.forms import error_status
from web.responses import private

PER_PAGE = 10


def _order_page(**view_args) -> str:
    return url_for("storefront.order_detail", **view_args)


def ordered_products(order: Order) -> dict[int, Product]:
    """The order's products as they are now (for links to those still sold); the order keeps
    its own copy of names and prices (`orders.item_name`)."""
    ids = [item.product_id for item in order.items if item.product_id is not None]
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(ids)))}


@bp.get("/orders", endpoint="orders")
@login_required
def orders_page():
    result = orders.list_orders_for_user(current_user.id, page=page_arg(), per_page=PER_PAGE)
    if result.is_past_the_end:
        abort(404)
    body = render_template(
        "storefront/orders/history.html",
        page=result,
        status_label=orders.status_label,
        payment_label=payment_label,
        awaits_payment=awaits_payment,
    )
    return private(make_response(body))


@bp.get("/orders/<int:order_id>")
@login_required
def order_detail(order_id: int):
    order = orders.get_order_for_user(current_user.id, order_id)
    products = ordered_products(order)
    body = render_template(
        "storefront/orders/detail.html",
        order=order,
        products=products,
        status_label=orders.status_label,
        can_cancel=orders.can_cancel(order),
        delivery=delivery.method_name(order.shipping_method, order.shipping_address),
        payment=orders.PAYMENT_METHODS.get(order.payment_method, order.payment_method),
        placed=request.args.get("placed") == "1",
        action_form=ActionForm(formdata=None),
        payment_label=payment_label,
        pay_url=url_for("storefront.order_payment", order_id=order.id) if awaits_payment(order) else None,
    )
    return private(make_response(body))


@bp.route("/orders/<int:order_id>/cancel", methods=["GET", "POST"])
@login_required
def order_cancel(order_id: int):
    """GET asks "are you sure?"; POST cancels (stock and the coupon use go back)."""
    order = orders.get_order_for_user(current_user.id, order_id)
    error = None
    if request.method == "POST":
        try:
            orders.cancel_order(order_id, user_id=current_user.id)
        except ShopError as refused:
            error = refused
        else:
            flash(str(orders.CANCELLED), "success")
            return redirect(url_for("storefront.order_detail", order_id=order_id), 303)
    elif not orders.can_cancel(order):
        error = orders.IllegalTransition(orders.NOT_CANCELLABLE)
    body = render_template("storefront/orders/cancel.html", order=order, error=error, status_label=orders.status_label)
    return private(make_response(body), error_status(error) if error else 200)


@bp.post("/orders/<int:order_id>/reorder")
@shopper_required(_order_page)
def order_reorder(order_id: int):
    """The order's products into the cart again (what is still sold, as far as stock goes)."""
    order = orders.get_order_for_user(current_user.id, order_id)
    outcome = cart.add_order_items(cart_owner(), order)
    added = len(outcome.added)
    short = [
        _("Only %(count)s of %(name)s left in stock.", count=quantity, name=orders.item_name(item))
        for item, quantity in outcome.short
    ]
    refused = [orders.item_name(item) for item in outcome.refused]
    if added:
        flash(
            ngettext("%(num)s product was added to your cart.", "%(num)s products were added to your cart.", added),
            "success",
        )
    for message in short:
        flash(message, "info")
    if refused:
        names = ", ".join(refused)
        flash(_("These could not be added (no longer sold or out of stock): %(names)s", names=names), "error")
    response = redirect(url_for("storefront.cart"), 303)
    response.headers["HX-Trigger"] = CART_CHANGED
    return response
