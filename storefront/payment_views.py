"""The KHQR payment page: the QR to scan (an SVG drawn here with segno), the amount in the
chosen currency, the shop's name, the time left, and "Paid, thank you" the moment the payment
is recorded.

The page polls OUR server (`.../payment/status`, every 3 s with HTMX). The poll reads the
database only; when the QR is still open it asks for a check (shop.payments.jobs.request_check,
at most one per attempt every few seconds, run by an RQ job or the embedded pool), so a page
request never waits on Bakong. While nothing changed it answers 204 (HTMX swaps nothing and
keeps polling); once the payment is recorded, or the QR expired, it sends the new panel, which
does not poll. Without JavaScript the page says when the QR expires and offers a link to look
again. A page shown before its "Open in my bank app" link was made (a job asks Bakong for it
after the order is placed) polls with `link=0`, and gets the panel with the link once it is
there.

The signed-in shopper's pages are under /orders/<id>/payment (another shopper's order is a
404); a guest's under the signed link of their order, /orders/guest/<token>/payment.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import segno
from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from shop.errors import ShopError
from shop.orders import guests
from shop.orders import services as orders
from shop.orders.models import Order
from shop.payments import jobs as payment_jobs
from shop.payments import services as payments
from storefront import bp
from storefront.cart_views import shopper_required
from storefront.shopping_forms import RenewPaymentForm
from web.forms import error_status
from web.htmx import is_htmx_fragment_request
from web.responses import private

PAGE = "storefront/orders/payment.html"
POLL_EVERY = "every 3s"


def qr_svg(qr_string: str) -> Markup:
    """The KHQR as an inline SVG (no size: CSS sizes it). Error correction M, as bank apps scan
    it from a screen."""
    code = segno.make_qr(qr_string, error="m", boost_error=False)
    return Markup(code.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff"))


def qr_png(qr_string: str) -> bytes:
    """The same QR as a PNG, to save on a phone and pick in the bank app's scanner."""
    buffer = io.BytesIO()
    segno.make_qr(qr_string, error="m", boost_error=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def _urls(order: Order, token: str | None) -> dict[str, str]:
    if token is None:
        return {
            "page": url_for("storefront.order_payment", order_id=order.id),
            "status": url_for("storefront.order_payment_status", order_id=order.id),
            "renew": url_for("storefront.order_payment_renew", order_id=order.id),
            "qr_png": url_for("storefront.order_payment_qr", order_id=order.id),
            "order": url_for("storefront.order_detail", order_id=order.id),
        }
    return {
        "page": url_for("storefront.guest_order_payment", token=token),
        "status": url_for("storefront.guest_order_payment_status", token=token),
        "renew": url_for("storefront.guest_order_payment_renew", token=token),
        "qr_png": url_for("storefront.guest_order_payment_qr", token=token),
        "order": url_for("storefront.guest_order", token=token),
    }


def _context(order: Order, token: str | None, **extra) -> dict:
    page = payments.payment_page(order)
    currency = page.attempt.currency if page.attempt is not None else (order.payment_currency or "USD")
    form = extra.pop("renew_form", None) or RenewPaymentForm(formdata=None, currency=currency)
    return {
        "order": order,
        "pay": page,
        "qr": qr_svg(page.attempt.qr_string)
        if page.state == "open" and page.attempt and page.attempt.qr_string
        else None,
        "urls": _urls(order, token),
        "poll_every": POLL_EVERY,
        "renew_form": form,
        "status_label": orders.status_label,
        **extra,
    }


def _page(order: Order, token: str | None, *, status: int = 200, **extra):
    response = private(make_response(render_template(PAGE, **_context(order, token, **extra))), status)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _status(order: Order, token: str | None):
    """The poll: 204 while the QR the page shows is still open and unpaid (after asking for a
    check) and the page lacks nothing, else the panel to swap in (paid, expired, closed, or the
    open QR with its "Open in my bank app" link that the page did not have). A plain GET goes to
    the page."""
    if not is_htmx_fragment_request():
        return redirect(_urls(order, token)["page"], 303)
    page = payments.payment_page(order)
    if page.wants_check and page.attempt is not None:
        payment_jobs.request_check(page.attempt.id)  # throttled; never calls Bakong here
    shown = request.args.get("attempt", type=int)
    link_arrived = request.args.get("link") == "0" and page.attempt is not None and bool(page.attempt.deeplink_url)
    if page.state == "open" and page.attempt is not None and page.attempt.id == shown and not link_arrived:
        response = make_response("", 204)
    else:
        response = make_response(render_block(PAGE, "payment_panel", **_context(order, token)))
    response.vary.add("HX-Request")
    return private(response)


def _renew(order: Order, token: str | None, renew: Callable[[str], object]):
    """POST "Make a new QR": back to the page with the new QR, or the page with the reason."""
    form = RenewPaymentForm()
    if not form.validate():
        return _page(order, token, status=422, renew_form=form)
    try:
        renew(form.currency.data)
    except ShopError as error:
        return _page(order, token, status=error_status(error), error=error, renew_form=form)
    return redirect(_urls(order, token)["page"], 303)


def _qr_file(order: Order):
    page = payments.payment_page(order)
    if page.state != "open" or page.attempt is None or not page.attempt.qr_string:
        abort(404)
    response = make_response(qr_png(page.attempt.qr_string))
    response.mimetype = "image/png"
    response.headers["Content-Disposition"] = f'attachment; filename="khqr-{order.order_number}.png"'
    return private(response)


# ---------------------------------------------------------------- the signed-in shopper


def _payment_page_url(order_id: int) -> str:
    return url_for("storefront.order_payment", order_id=order_id)


def _own_order(order_id: int) -> Order:
    order = orders.get_order_for_user(current_user.id, order_id)  # another's order: NotFound (404)
    if order.payment_method != "khqr":
        abort(404)
    return order


@bp.get("/orders/<int:order_id>/payment")
@login_required
def order_payment(order_id: int):
    return _page(_own_order(order_id), None)


@bp.get("/orders/<int:order_id>/payment/status")
@shopper_required(_payment_page_url)  # signed out meanwhile: HTMX goes to sign-in, not into the panel
def order_payment_status(order_id: int):
    return _status(_own_order(order_id), None)


@bp.post("/orders/<int:order_id>/payment/renew")
@shopper_required(_payment_page_url)
def order_payment_renew(order_id: int):
    order = _own_order(order_id)
    return _renew(
        order, None, lambda currency: payments.renew_payment(order.id, user_id=current_user.id, currency=currency)
    )


@bp.get("/orders/<int:order_id>/payment/qr.png")
@login_required
def order_payment_qr(order_id: int):
    return _qr_file(_own_order(order_id))


# ---------------------------------------------------------------- a guest (the signed link)


def _guest_order(token: str) -> Order:
    order = guests.order_from_token(token)
    if order is None or order.payment_method != "khqr":
        abort(404)
    return order


@bp.get("/orders/guest/<token>/payment")
def guest_order_payment(token: str):
    return _page(_guest_order(token), token)


@bp.get("/orders/guest/<token>/payment/status")
def guest_order_payment_status(token: str):
    return _status(_guest_order(token), token)


@bp.post("/orders/guest/<token>/payment/renew")
def guest_order_payment_renew(token: str):
    order = _guest_order(token)
    return _renew(order, token, lambda currency: payments.renew_payment(order.id, currency=currency))


@bp.get("/orders/guest/<token>/payment/qr.png")
def guest_order_payment_qr(token: str):
    return _qr_file(_guest_order(token))
