"""Staff JSON for an order's payments: /api/v1/admin/orders/<id>/payments*. Admins only (as
every order endpoint); the rules are shop.payments.services and shop.payments.jobs. Every
change is in the audit log."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.admin_access import admin_token_required
from api.admin_support import MoneyField, actor
from api.payments import AttemptSchema, attempt_json
from shop.errors import NotFound
from shop.orders import fulfilment
from shop.payments import jobs as payment_jobs
from shop.payments import services as payments
from shop.payments.models import EventKind, PaymentAttempt, PaymentEvent
from shop.reporting.periods import shop_timezone
from web.envelope import success_response

bp = Blueprint("admin_payments", __name__, url_prefix="/api/v1/admin/orders", description="Staff: an order's payments")


class EventSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in EventKind]})
    amount = fields.String(allow_none=True, metadata={"description": "a Decimal as a string"})
    currency = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    raw = fields.Raw(allow_none=True, metadata={"description": "the provider's answer as received"})
    actor_id = fields.Integer(allow_none=True, metadata={"description": "the staff member who recorded it"})
    created_at = fields.String(metadata={"format": "date-time"})


class StaffAttemptSchema(AttemptSchema):
    last_checked_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    next_check_at = fields.String(
        allow_none=True, metadata={"format": "date-time", "description": "null: nothing more is asked"}
    )
    check_count = fields.Integer()
    events = fields.List(fields.Nested(EventSchema))


class OrderPaymentsSchema(Schema):
    order_id = fields.Integer()
    payment_method = fields.String()
    payment_status = fields.String()
    needs_refund = fields.Boolean(metadata={"description": "money was received that the shop must give back"})
    attempts = fields.List(fields.Nested(StaffAttemptSchema))


def _envelope(name: str, data: fields.Field) -> type[Schema]:
    return Schema.from_dict({"success": fields.Boolean(), "message": fields.String(), "data": data}, name=name)


OrderPaymentsEnvelope = _envelope("OrderPaymentsEnvelope", fields.Nested(OrderPaymentsSchema))
CheckEnvelope = _envelope(
    "CheckRequestedEnvelope", fields.Dict(metadata={"description": '{"attempt_id": ..., "asked": true/false}'})
)


class CashIn(Schema):
    amount = MoneyField(required=True, metadata={"description": 'dollars, as a string: "23.50"'})
    received_by = fields.String(
        load_default=None, validate=validate.Length(max=100), metadata={"description": "you, by default"}
    )
    received_at = fields.DateTime(
        load_default=None,
        metadata={"description": "when the cash was received (ISO 8601, shop time if no offset); now by default"},
    )
    confirm_over = fields.Boolean(
        load_default=False, metadata={"description": "true: more than is still due was received (confirmed)"}
    )


def _event_json(event: PaymentEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "amount": None if event.amount is None else f"{event.amount:.2f}",
        "currency": event.currency,
        "note": event.note,
        "raw": event.raw,
        "actor_id": event.actor_id,
        "created_at": event.created_at.isoformat() if event.created_at else None,
    }


def _staff_attempt_json(attempt: PaymentAttempt) -> dict[str, Any]:
    return {
        **attempt_json(attempt),
        "last_checked_at": attempt.last_checked_at.isoformat() if attempt.last_checked_at else None,
        "next_check_at": attempt.next_check_at.isoformat() if attempt.next_check_at else None,
        "check_count": attempt.check_count,
        "events": [_event_json(e) for e in attempt.events],
    }


def _payments_json(order_id: int) -> dict[str, Any]:
    order = fulfilment.get_order(order_id)
    return OrderPaymentsSchema().dump(
        {
            "order_id": order.id,
            "payment_method": order.payment_method,
            "payment_status": order.payment_status.value,
            "needs_refund": payments.needs_refund(order),
            "attempts": [_staff_attempt_json(a) for a in payments.attempts_of(order.id)],
        }
    )


@bp.get("/<int:order_id>/payments")
@bp.response(200, OrderPaymentsEnvelope)
@admin_token_required
def list_payments(order_id: int):
    """The order's payment attempts, oldest first, each with its events (kind, amount,
    currency, time, the provider's raw answer), and whether it needs a refund."""
    return success_response(_payments_json(order_id))


@bp.post("/<int:order_id>/payments/cash")
@bp.response(201, OrderPaymentsEnvelope)
@admin_token_required
@bp.arguments(CashIn)
def record_cash(data, order_id: int):
    """Record cash received for a cash-on-delivery order (amount, who, when): never more than is
    still due unless `confirm_over` is true; not in the future. An event and an audit entry."""
    received_at = data.get("received_at")
    if received_at is not None and received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=shop_timezone())
    payments.record_cash_received(
        order_id,
        data["amount"],
        actor=actor(),
        received_by=data.get("received_by"),
        received_at=received_at,
        allow_over=data["confirm_over"],
    )
    return success_response(_payments_json(order_id), _("Cash received recorded."), 201)


@bp.post("/<int:order_id>/payments/<int:attempt_id>/check")
@bp.response(202, CheckEnvelope)
@admin_token_required
def check(order_id: int, attempt_id: int):
    """Ask the bank about a KHQR attempt now (202: a job asks; GET the payments in a few seconds
    for its answer). `asked` is false when a check was asked for a moment ago. 409 when nothing
    more can happen to the attempt, 400 for cash."""
    if not any(a.id == attempt_id for a in payments.attempts_of(fulfilment.get_order(order_id).id)):
        raise NotFound()
    asked = payment_jobs.check_now(attempt_id, actor=actor())
    message = _("The bank is being asked.") if asked else _("The bank was asked a moment ago.")
    return success_response({"attempt_id": attempt_id, "asked": asked}, message, 202)
