"""KHQR payments over JSON for the mobile app: /api/v1/orders/<id>/payment.

`GET` gives the order's payment status (its attempts, the current QR and its "open in my bank
app" link, `deeplink`, once a job has had Bakong make it) and, while that QR
can still be paid, asks for a check with the bank (an RQ job: the answer never waits on
Bakong). `POST` makes a new QR for an expired unpaid order (shop.payments.services
.renew_khqr_payment). A signed-in shopper sends their token; a guest sends the order's token
(`order_token` of POST /api/v1/orders or /orders/lookup) in the `X-Order-Token` header.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import get_current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shop.errors import NotFound, ShopError, Unauthorized
from shop.infra.columns import utcnow
from shop.orders import guests
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus, PaymentStatus
from shop.payments import jobs as payment_jobs
from shop.payments import services as payments
from shop.payments.models import AttemptStatus, PaymentAttempt
from web.envelope import success_response

bp = Blueprint("order_payments", __name__, url_prefix="/api/v1/orders", description="Paying an order by KHQR (Bakong)")

ORDER_TOKEN_HEADER = "X-Order-Token"
CURRENCIES = list(payments.CURRENCIES)


class KHQRUnavailable(ShopError):
    """KHQR is not set up on this shop (no KHQR_ACCOUNT_ID): the request cannot be met as sent."""

    status = 400
    code = "khqr_unavailable"
    default_message = _l("Paying by KHQR is not available at the moment. Choose cash on delivery.")


def require_khqr() -> None:
    """Refuse KHQR with 400 (a rule of this shop, not a malformed request) when the shop has no KHQR account."""
    if not payments.khqr_enabled():
        raise KHQRUnavailable(field="payment_method")


def amount_text(value: Decimal, currency: str) -> str:
    """An amount as the string of a Decimal: dollars and cents, or whole riel."""
    return f"{value:.0f}" if currency == "KHR" else f"{value:.2f}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# ---------------------------------------------------------------- schemas (the OpenAPI document)


class SourceInfoSchema(Schema):
    app_name = fields.String(data_key="appName", metadata={"description": "the shop's name, shown by the bank app"})
    app_icon_url = fields.String(data_key="appIconUrl", metadata={"description": "the shop's icon"})
    app_deeplink_callback = fields.String(
        data_key="appDeepLinkCallback",
        metadata={"description": "where the bank app returns; the app puts its own link here"},
    )


class DeeplinkPayloadSchema(Schema):
    """The body of Bakong's `POST /v1/generate_deeplink_by_qr`, for an app that wants its own
    callback in the link: the shop's own link (with the shop's callback) is `deeplink`."""

    qr = fields.String()
    source_info = fields.Nested(SourceInfoSchema, data_key="sourceInfo")


class AttemptSchema(Schema):
    id = fields.Integer()
    provider = fields.String(metadata={"description": '"khqr" or "cod" (cash on delivery)'})
    status = fields.String(metadata={"enum": [s.value for s in AttemptStatus]})
    amount = fields.String(metadata={"description": 'a Decimal as a string: "23.50" (USD) or "96400" (whole riel)'})
    currency = fields.String(metadata={"enum": CURRENCIES})
    qr_string = fields.String(allow_none=True, metadata={"description": "the KHQR string to draw as a QR code"})
    md5 = fields.String(allow_none=True, metadata={"description": "md5 of qr_string (how Bakong names the payment)"})
    created_at = fields.String(metadata={"format": "date-time"})
    expires_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    paid_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    seconds_left = fields.Integer(allow_none=True, metadata={"description": "until the QR expires (0 once it has)"})
    deeplink = fields.String(
        allow_none=True,
        metadata={
            "format": "uri",
            "description": "Bakong's short link (https://bakong.page.link/...) that opens the shopper's bank app "
            "with this payment ready: open it on the phone that pays. Made by a job a moment after the QR; "
            "null until then, and for good if Bakong could not make it (show the QR, or ask Bakong "
            "yourself with deeplink_payload)",
        },
    )
    deeplink_payload = fields.Nested(DeeplinkPayloadSchema, allow_none=True)


class PaymentStatusSchema(Schema):
    order_id = fields.Integer()
    order_number = fields.String()
    order_status = fields.String(metadata={"enum": [s.value for s in OrderStatus]})
    payment_method = fields.String()
    payment_status = fields.String(metadata={"enum": [s.value for s in PaymentStatus]})
    paid = fields.Boolean()
    current = fields.Nested(AttemptSchema, allow_none=True, metadata={"description": "the QR to show, if any"})
    attempts = fields.List(fields.Nested(AttemptSchema), metadata={"description": "oldest first"})
    can_renew = fields.Boolean(metadata={"description": "POST this URL makes a new QR (the last one expired)"})


def _envelope(name: str, data: fields.Field) -> type[Schema]:
    return Schema.from_dict({"success": fields.Boolean(), "message": fields.String(), "data": data}, name=name)


PaymentStatusEnvelope = _envelope("PaymentStatusEnvelope", fields.Nested(PaymentStatusSchema))
AttemptEnvelope = _envelope("AttemptEnvelope", fields.Nested(AttemptSchema))


class RenewIn(Schema):
    currency = fields.String(
        load_default=None,
        validate=validate.OneOf(CURRENCIES),
        metadata={"description": "USD or KHR; the last QR's currency by default"},
    )


class OrderTokenHeader(Schema):
    x_order_token = fields.String(
        data_key=ORDER_TOKEN_HEADER,
        load_default=None,
        metadata={"description": "a guest's order token (no Authorization header)"},
    )


# ---------------------------------------------------------------- payloads


def deeplink_payload(attempt: PaymentAttempt) -> dict[str, Any] | None:
    if not attempt.qr_string:
        return None
    return {
        "qr": attempt.qr_string,
        "source_info": {
            "app_name": current_app.config["SHOP_NAME"],
            "app_icon_url": url_for("static", filename="img/favicon.svg", _external=True),
            "app_deeplink_callback": url_for("order_payments.status", order_id=attempt.order_id, _external=True),
        },
    }


def attempt_json(attempt: PaymentAttempt, *, now: datetime | None = None) -> dict[str, Any]:
    """One payment attempt for the app: the QR, its md5, the amount asked for and until when."""
    now = now or utcnow()
    left = None
    if attempt.expires_at is not None:
        left = max(0, int((attempt.expires_at - now).total_seconds()))
    return AttemptSchema().dump(
        {
            "id": attempt.id,
            "provider": attempt.provider,
            "status": attempt.status,
            "amount": amount_text(attempt.amount, attempt.currency),
            "currency": attempt.currency,
            "qr_string": attempt.qr_string,
            "md5": attempt.md5,
            "created_at": _iso(attempt.created_at),
            "expires_at": _iso(attempt.expires_at),
            "paid_at": _iso(attempt.paid_at),
            "seconds_left": left,
            "deeplink": attempt.deeplink_url if attempt.provider == "khqr" else None,
            "deeplink_payload": deeplink_payload(attempt) if attempt.provider == "khqr" else None,
        }
    )


def current_attempt_json(order: Order) -> dict[str, Any] | None:
    """The order's current KHQR attempt, for the answer to placing an order (a cash order has
    none: no query)."""
    if order.payment_method != "khqr":
        return None
    attempt = payments.current_attempt(order.id)
    return attempt_json(attempt) if attempt is not None else None


def _payable(attempt: PaymentAttempt | None, now: datetime) -> bool:
    return (
        attempt is not None
        and attempt.status == AttemptStatus.OPEN.value
        and (attempt.expires_at is None or attempt.expires_at > now)
    )


def _can_renew(order: Order, current: PaymentAttempt | None, now: datetime) -> bool:
    return (
        order.payment_method == "khqr"
        and order.payment_status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
        and (
            order.status == OrderStatus.PENDING
            or (order.status == OrderStatus.CANCELLED and order.cancel_reason == payments.EXPIRED_REASON)
        )
        and not _payable(current, now)
    )


def status_json(order: Order) -> dict[str, Any]:
    now = utcnow()
    attempts = payments.attempts_of(order.id)
    current = payments.current_attempt(order.id)
    return PaymentStatusSchema().dump(
        {
            "order_id": order.id,
            "order_number": order.order_number,
            "order_status": order.status.value,
            "payment_method": order.payment_method,
            "payment_status": order.payment_status.value,
            "paid": order.payment_status == PaymentStatus.PAID,
            "current": attempt_json(current, now=now) if current is not None else None,
            "attempts": [attempt_json(a, now=now) for a in attempts],
            "can_renew": _can_renew(order, current, now),
        }
    )


def _callers_order(order_id: int, token: str | None) -> tuple[Order, int | None]:
    """The order, if the caller may see it: a signed-in shopper's own order, or a guest's with
    the order's token. Anyone else's is the same 404 as none at all."""
    user = get_current_user()
    if user is not None:
        return orders.get_order_for_user(user.id, order_id), user.id
    if not token:
        raise Unauthorized(_l("Sign in, or send the order's token in the X-Order-Token header."))
    order = guests.order_from_token(token)
    if order is None or order.id != order_id:
        raise NotFound()
    return order, None


# ---------------------------------------------------------------- endpoints


@bp.get("/<int:order_id>/payment")
@bp.response(200, PaymentStatusEnvelope)
@jwt_required(optional=True)
@bp.arguments(OrderTokenHeader, location="headers")
def status(headers, order_id: int):
    """The order's payment: its status, its attempts (oldest first) and the current QR. Poll it
    every few seconds while the QR is shown: while the QR can be paid each poll asks for a check
    with the bank (at most one every few seconds, done by a job; this answer comes from our
    database at once). `paid` turns true the moment the payment is recorded. For a guest
    order send `X-Order-Token` instead of a bearer token."""
    order, _user_id = _callers_order(order_id, headers.get("x_order_token"))
    current = payments.current_attempt(order.id)
    if _payable(current, utcnow()) and current is not None:
        payment_jobs.request_check(current.id)
    return success_response(status_json(order))


@bp.post("/<int:order_id>/payment")
@bp.response(201, AttemptEnvelope)
@jwt_required(optional=True)
@bp.arguments(RenewIn)
@bp.arguments(OrderTokenHeader, location="headers")
def renew(data, headers, order_id: int):
    """A new QR for an unpaid KHQR order whose QR expired (201 with the new attempt). An order
    cancelled because its payment expired comes back when its stock (and coupon) can be taken
    again; otherwise 409 says what is missing. A QR that can still be paid is returned as it
    is (200). KHQR not set up on the shop: 422."""
    order, user_id = _callers_order(order_id, headers.get("x_order_token"))
    require_khqr()
    before = payments.current_attempt(order.id)
    try:
        attempt = payments.renew_khqr_payment(order, data.get("currency"), user_id=user_id)
    except payments.PaymentUnavailable as error:
        raise KHQRUnavailable(error.message, field="payment_method") from None
    fresh = before is None or attempt.id != before.id
    message = _l("Here is a new QR code.") if fresh else _l("This QR code can still be paid.")
    return success_response(attempt_json(attempt), str(message), 201 if fresh else 200)


__all__ = ["ORDER_TOKEN_HEADER", "KHQRUnavailable", "attempt_json", "bp", "current_attempt_json", "require_khqr"]
