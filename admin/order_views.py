"""Admin pages for orders: the filtered list with a bulk status change, the order with its
actions (status, fulfilment, ship, refund, cash received, check with the bank) and a printable
invoice. The payment status is never set by hand: it follows the payments recorded.
Rules: shop.orders.fulfilment, the status machine of shop.orders.services, shop.payments."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2_fragments.flask import render_block

from admin import bp, menu
from admin.access import admin_required
from admin.forms import (
    BulkOrdersForm,
    FulfilmentForm,
    NextStepForm,
    OrderFilterForm,
    RefundForm,
    ShipForm,
    StatusForm,
)
from admin.order_payments import CashForm, CheckForm, payment_context
from admin.support import actor, page_number
from shop.delivery import services as delivery
from shop.errors import ShopError
from shop.infra.inputs import parse_id
from shop.orders import fulfilment
from shop.orders import services as order_rules
from shop.orders.models import OrderStatus, PaymentStatus
from shop.orders.services import TRANSITIONS
from shop.paging import Page
from shop.payments import jobs as payment_jobs
from shop.payments import services as payments
from shop.reporting.periods import shop_timezone
from web.auth import render_private
from web.forms import error_status, show_service_error
from web.htmx import is_htmx_fragment_request
from web.responses import private
from web.status import order_status_label

menu.add("admin.orders", _l("Orders"), order=30)
PER_PAGE = 25


@bp.get("/orders")
@admin_required
def orders():
    filters = OrderFilterForm(request.args)
    page, status = Page([], 1, PER_PAGE, 0), 200
    if filters.validate():
        criteria = fulfilment.OrderFilters(
            status=OrderStatus(filters.status.data) if filters.status.data else None,
            payment_status=PaymentStatus(filters.payment_status.data) if filters.payment_status.data else None,
            date_from=filters.date_from.data,
            date_to=filters.date_to.data,
            customer=filters.customer.data or "",
        )
        page = fulfilment.list_orders(criteria, page=page_number(), per_page=PER_PAGE)
    else:
        status = 422
    context = {"filters": filters, "page": page, "bulk": BulkOrdersForm(), "payment_label": fulfilment.payment_label}
    if is_htmx_fragment_request():  # the filters changed: just the results (the template's block "results")
        response = private(make_response(render_block("admin/orders/list.html", "results", **context)), status)
    else:
        response = render_private("admin/orders/list.html", status, **context)
    response.vary.add("HX-Request")
    return response


@bp.post("/orders/bulk")
@admin_required
def orders_bulk():
    form = BulkOrdersForm()
    if not form.validate():
        flash(_("Choose orders and a status."), "error")
        return redirect(url_for("admin.orders"))
    ids = [number for number in map(parse_id, form.ids.data) if number]
    try:
        outcomes = fulfilment.bulk_change_status(ids, OrderStatus(form.status.data), actor=actor())
    except ShopError as error:
        flash(str(error.message), "error")
        return redirect(url_for("admin.orders"))
    done = sum(o.ok for o in outcomes)
    flash(_("%(done)s of %(count)s orders changed.", done=done, count=len(outcomes)), "success" if done else "info")
    for outcome in outcomes:
        if not outcome.ok:
            flash(_("Order #%(id)s: %(reason)s", id=outcome.order_id, reason=outcome.message), "error")
    return redirect(url_for("admin.orders"))


def _detail(order_id: int, status: int = 200, **forms):
    order = fulfilment.get_order(order_id)
    refunds = fulfilment.refunds_of(order_id)
    refunded = sum((r.amount for r in refunds), fulfilment.ZERO)
    status_form = forms.get("status_form") or StatusForm(formdata=None)
    status_form.status.choices = [
        c for c in status_form.status.choices if OrderStatus(c.value) in TRANSITIONS[order.status]
    ]
    context: dict[str, Any] = {
        "order": order,
        "refunds": refunds,
        "refunded": refunded,
        "refundable": order.total - refunded,
        "status_form": status_form,
        "fulfilment_form": forms.get("fulfilment_form")
        or FulfilmentForm(formdata=None, fulfillment_status=order.fulfillment_status.value),
        "ship_form": forms.get("ship_form") or ShipForm(formdata=None),
        "refund_form": forms.get("refund_form") or RefundForm(formdata=None),
        "next_form": forms.get("next_form") or NextStepForm(formdata=None),
        "next_steps": fulfilment.next_steps(order),
        "delivery_method": delivery.method_name(order.shipping_method, order.shipping_address),
        "payment_method": order_rules.PAYMENT_METHODS.get(order.payment_method, order.payment_method),
        "can_cancel": fulfilment.can_cancel(order),
        "payment_label": fulfilment.payment_label,
        "fulfilment_label": fulfilment.fulfilment_label,
    }
    context.update(payment_context(order, forms))
    return render_private("admin/orders/detail.html", status, **context)


@bp.get("/orders/<int:order_id>")
@admin_required
def order_detail(order_id: int):
    return _detail(order_id)


def _act(order_id: int, form, name: str, action, done_message):
    """Validate `form`, run the service `action`; on a refusal show the order again with the
    reason on the form (4xx), else back to the order with a message."""
    if not form.validate():
        return _detail(order_id, 422, **{name: form})
    try:
        action()
    except ShopError as error:
        if error.status == 404:
            raise
        show_service_error(form, error)
        return _detail(order_id, error_status(error), **{name: form})
    flash(done_message, "success")
    return redirect(url_for("admin.order_detail", order_id=order_id))


@bp.post("/orders/<int:order_id>/status")
@admin_required
def order_status(order_id: int):
    form = StatusForm()
    return _act(
        order_id, form, "status_form",
        lambda: fulfilment.change_status(order_id, OrderStatus(form.status.data), actor=actor(), note=form.note.data),
        _("Order status changed."),
    )  # fmt: skip


@bp.post("/orders/<int:order_id>/next")
@admin_required
def order_next_step(order_id: int):
    """A next-step button (Confirm, Start packing, Ship with the tracking number, Mark delivered,
    Cancel). A step that no longer applies shows the order as it is now, with the reason."""
    form = NextStepForm()
    return _act(
        order_id, form, "next_form",
        lambda: fulfilment.take_next_step(order_id, OrderStatus(form.status.data), actor=actor(),
                                          tracking_number=form.tracking_number.data),
        _("The order is now %(status)s.", status=_status_word(form.status.data)),
    )  # fmt: skip


def _status_word(value: str | None) -> str:
    try:
        return order_status_label(OrderStatus(value or ""))
    except ValueError:
        return ""


@bp.post("/orders/<int:order_id>/fulfilment")
@admin_required
def order_fulfilment(order_id: int):
    form = FulfilmentForm()
    return _act(
        order_id, form, "fulfilment_form",
        lambda: fulfilment.set_fulfilment_status(order_id, form.fulfillment_status.data, actor=actor()),
        _("Fulfilment status changed."),
    )  # fmt: skip


@bp.post("/orders/<int:order_id>/ship")
@admin_required
def order_ship(order_id: int):
    form = ShipForm()
    return _act(
        order_id, form, "ship_form",
        lambda: fulfilment.ship(order_id, form.tracking_number.data, actor=actor()),
        _("Order shipped."),
    )  # fmt: skip


@bp.post("/orders/<int:order_id>/refund")
@admin_required
def order_refund(order_id: int):
    form = RefundForm()
    return _act(
        order_id, form, "refund_form",
        lambda: fulfilment.refund(order_id, form.amount.data, actor=actor(), restock=form.restock.data,
                                  reason=form.reason.data),
        _("Refund recorded."),
    )  # fmt: skip


@bp.get("/orders/<int:order_id>/invoice")
@admin_required
def order_invoice(order_id: int):
    order = fulfilment.get_order(order_id)
    return render_private("admin/orders/invoice.html", order=order, refunds=fulfilment.refunds_of(order_id))


# ---------------------------------------------------------------- payments (templates/admin/orders/_payments.html)


@bp.post("/orders/<int:order_id>/cash")
@admin_required
def order_cash(order_id: int):
    form = CashForm()
    received_at = form.received_at.data
    return _act(
        order_id, form, "cash_form",
        lambda: payments.record_cash_received(
            order_id, form.amount.data, actor=actor(), received_by=form.received_by.data,
            received_at=received_at.replace(tzinfo=shop_timezone()) if received_at else None,
            allow_over=form.confirm_over.data,
        ),
        _("Cash received recorded."),
    )  # fmt: skip


@bp.post("/orders/<int:order_id>/payments/check")
@admin_required
def order_payment_check(order_id: int):
    """Ask the bank about a KHQR attempt now; the answer is recorded by the check job."""
    form = CheckForm()
    attempt_id = int(form.attempt_id.data) if (form.attempt_id.data or "").isdigit() else 0
    if not form.validate() or not any(a.id == attempt_id for a in payments.attempts_of(order_id)):
        flash(_("Choose a payment to check."), "error")
        return redirect(url_for("admin.order_detail", order_id=order_id))
    try:
        asked = payment_jobs.check_now(attempt_id, actor=actor())
    except ShopError as error:
        flash(str(error.message), "error")
        return redirect(url_for("admin.order_detail", order_id=order_id))
    if asked:
        flash(_("The bank is being asked. Reload the page in a few seconds to see its answer."), "success")
    else:
        flash(_("The bank was asked a moment ago. Reload the page in a few seconds to see its answer."), "info")
    return redirect(url_for("admin.order_detail", order_id=order_id))
