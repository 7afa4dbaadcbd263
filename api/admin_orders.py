"""Staff JSON for orders: /api/v1/admin/orders*. Admins only; the rules are
shop.orders.fulfilment (the status machine of shop.orders.services)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import staff_schemas as out
from api.admin_access import admin_token_required
from api.admin_support import MoneyField, actor, money
from api.pagination import PaginationQuery, paginated_page
from api.shopping import order_json
from api.validation import Id
from shop.orders import fulfilment
from shop.orders.models import FulfillmentStatus, Order, OrderStatus, PaymentStatus
from shop.payments import services as payments
from web.envelope import success_response
from web.status import fulfilment_status_label, payment_status_label

bp = Blueprint("admin_orders", __name__, url_prefix="/api/v1/admin/orders", description="Staff: orders")

STATUSES = [s.value for s in OrderStatus]
PAYMENT = [s.value for s in PaymentStatus]
FULFILMENT = [s.value for s in FulfillmentStatus]


def order_data(order: Order, *, detail: bool = True) -> dict:
    data = order_json(order, detail=detail)
    data.update(
        customer_name=order.customer_name,
        customer_email=order.customer_email,
        user_id=order.user_id,
        payment_status_label=payment_status_label(order.payment_status),
        fulfillment_status_label=fulfilment_status_label(order.fulfillment_status),
    )
    if detail:
        refunds = fulfilment.refunds_of(order.id)
        data["refunds"] = [
            {
                "id": r.id,
                "amount": money(r.amount),
                "reason": r.reason,
                "restocked": r.restocked,
                "created_at": r.created_at.isoformat() if r.created_at else None,
            }
            for r in refunds
        ]
        data["refunded_total"] = money(sum((r.amount for r in refunds), fulfilment.ZERO))
        data["timeline"] = [
            {"from": e.from_status, "status": e.to_status, "note": e.note, "actor_id": e.actor_id,
             "at": e.created_at.isoformat() if e.created_at else None}
            for e in order.events
        ]  # fmt: skip
    return data


class AdminOrderQuery(PaginationQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    payment_status = fields.String(load_default=None, validate=validate.OneOf(PAYMENT))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    customer = fields.String(load_default="", validate=validate.Length(max=200))


class OrderStatusIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    note = fields.String(validate=validate.Length(max=1000))


class OrderPaymentIn(Schema):
    payment_status = fields.String(required=True, validate=validate.OneOf(PAYMENT))


class OrderFulfilmentIn(Schema):
    fulfillment_status = fields.String(required=True, validate=validate.OneOf(FULFILMENT))


class OrderBulkIn(Schema):
    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=fulfilment.MAX_BULK))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class OrderRefundIn(Schema):
    amount = MoneyField(required=True)
    restock = fields.Boolean(load_default=False)
    reason = fields.String(validate=validate.Length(max=1000))


class OrderShipIn(Schema):
    tracking_number = fields.String(required=True, validate=validate.Length(min=1, max=100))


@bp.get("")
@bp.response(200, out.StaffOrderPageEnvelope)
@admin_token_required
@bp.arguments(AdminOrderQuery, location="query")
def list_orders(query):
    """Orders, newest first, by status, payment status, dates (the shop's days) or customer."""
    filters = fulfilment.OrderFilters(
        status=OrderStatus(query["status"]) if query["status"] else None,
        payment_status=PaymentStatus(query["payment_status"]) if query["payment_status"] else None,
        date_from=query["date_from"],
        date_to=query["date_to"],
        customer=query["customer"] or query["search"] or "",
    )
    page = fulfilment.list_orders(filters, page=query["page"], per_page=query["limit"])
    return success_response(paginated_page(page, lambda o: order_data(o, detail=False)))


@bp.get("/<int:order_id>")
@bp.response(200, out.StaffOrderEnvelope)
@admin_token_required
def get_order(order_id: int):
    """One order with items, timeline and refunds."""
    return success_response(order_data(fulfilment.get_order(order_id)))


@bp.put("/<int:order_id>/status")
@bp.response(200, out.StaffOrderEnvelope)
@admin_token_required
@bp.arguments(OrderStatusIn)
def change_status(data, order_id: int):
    """Move the order along the status machine (409 with the reason when not allowed)."""
    fulfilment.change_status(order_id, OrderStatus(data["status"]), actor=actor(), note=data.get("note"))
    return success_response(order_data(fulfilment.get_order(order_id)), _("Order status changed."))


@bp.put("/<int:order_id>/payment-status")
@bp.response(200, out.StaffOrderEnvelope)
@admin_token_required
@bp.arguments(OrderPaymentIn)
def payment_status(data, order_id: int):
    """The payment status follows the payments recorded and is never set by hand
    (shop.payments.services.request_payment_status): `paid` on a cash-on-delivery order records
    the cash still due as received now by you (as `POST /:id/payments/cash` does, audited); the
    status the order already has changes nothing; anything else is refused with the action that
    sets it: 409 (a KHQR payment: `POST /:id/payments/:attempt_id/check`; cash: `POST
    /:id/payments/cash` with the amount), or 400 for the refunded statuses (`POST /:id/refund`)."""
    recorded = payments.request_payment_status(order_id, PaymentStatus(data["payment_status"]), actor=actor())
    message = _("Cash received recorded.") if recorded else _("The order already has this payment status.")
    return success_response(order_data(fulfilment.get_order(order_id)), message)


@bp.put("/<int:order_id>/fulfillment-status")
@bp.response(200, out.StaffOrderEnvelope)
@admin_token_required
@bp.arguments(OrderFulfilmentIn)
def fulfilment_status(data, order_id: int):
    """Record how far packing got (shipped and delivered follow the order status)."""
    fulfilment.set_fulfilment_status(order_id, FulfillmentStatus(data["fulfillment_status"]), actor=actor())
    return success_response(order_data(fulfilment.get_order(order_id)), _("Fulfilment status changed."))


@bp.post("/bulk-update")
@bp.response(200, out.BulkOutcomesEnvelope)
@admin_token_required
@bp.arguments(OrderBulkIn)
def bulk_update(data):
    """Move many orders to one status; each is reported done or refused with the reason."""
    outcomes = fulfilment.bulk_change_status(data["ids"], OrderStatus(data["status"]), actor=actor())
    return success_response(
        [{"id": o.order_id, "ok": o.ok, "message": o.message} for o in outcomes], _("Bulk update finished.")
    )


@bp.post("/<int:order_id>/refund")
@bp.response(201, out.StaffOrderEnvelope)
@admin_token_required
@bp.arguments(OrderRefundIn)
def refund(data, order_id: int):
    """Refund all or part of a paid order, optionally putting the items back in stock."""
    fulfilment.refund(order_id, data["amount"], actor=actor(), restock=data["restock"], reason=data.get("reason"))
    return success_response(order_data(fulfilment.get_order(order_id)), _("Refund recorded."), 201)


@bp.post("/<int:order_id>/ship")
@bp.response(200, out.StaffOrderEnvelope)
@admin_token_required
@bp.arguments(OrderShipIn)
def ship(data, order_id: int):
    """Ship a processing order with its tracking number; the shopper is emailed."""
    fulfilment.ship(order_id, data["tracking_number"], actor=actor())
    return success_response(order_data(fulfilment.get_order(order_id)), _("Order shipped."))
