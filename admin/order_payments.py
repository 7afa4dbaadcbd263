"""The payment section of the staff order page (templates/admin/orders/_payments.html): the
order's payment attempts with their events, "record cash received" for cash on delivery,
"check now" for a KHQR attempt, mismatched payments and the "needs refund" flag.
Rules: shop.payments.services and shop.payments.jobs."""

from __future__ import annotations

from typing import Any

from babel import numbers
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, StringField
from wtforms.validators import DataRequired, Optional

from admin.forms import amount
from shop.i18n import current_locale, money
from shop.orders.models import Order, OrderStatus
from shop.payments import services as payments
from shop.payments.models import AttemptStatus, EventKind, PaymentAttempt
from web.forms import REQUIRED, MaxLength, strip

EVENT_LABELS = {
    EventKind.CREATED: _l("created"),
    EventKind.CHECKED: _l("checked with the bank"),
    EventKind.PAID: _l("paid"),
    EventKind.PAID_AFTER_EXPIRY: _l("paid after expiry"),
    EventKind.FAILED: _l("payment failed"),
    EventKind.EXPIRED: _l("expired"),
    EventKind.CANCELLED: _l("cancelled"),
    EventKind.RESTORED: _l("order restored"),
    EventKind.REFUND_NEEDED: _l("needs a refund"),
    EventKind.REFUNDED: _l("refunded"),
    EventKind.CASH_RECEIVED: _l("cash received"),
    EventKind.MISMATCH: _l("payment does not match"),
}
ATTEMPT_LABELS = {
    AttemptStatus.OPEN: _l("waiting for the money"),
    AttemptStatus.PAID: _l("paid"),
    AttemptStatus.FAILED: _l("payment failed"),
    AttemptStatus.EXPIRED: _l("expired"),
    AttemptStatus.CANCELLED: _l("cancelled"),
}
PROVIDER_LABELS = {"khqr": _l("KHQR"), "cod": _l("Cash on delivery")}


class CashForm(FlaskForm):
    amount = StringField(_l("Amount received (USD)"), filters=[strip], validators=[DataRequired(REQUIRED), amount])
    received_by = StringField(
        _l("Received by"), filters=[strip], validators=[Optional(), MaxLength(100)], description=_l("You, by default")
    )
    received_at = DateTimeLocalField(
        _l("Received at"),
        validators=[Optional()],
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        description=_l("Now, by default"),
    )
    confirm_over = BooleanField(_l("Yes, more than is due was received"))


class CheckForm(FlaskForm):
    attempt_id = HiddenField(validators=[DataRequired(REQUIRED)])


def event_label(kind: str) -> str:
    try:
        return str(EVENT_LABELS[EventKind(kind)])
    except ValueError:
        return kind


def attempt_label(status: str) -> str:
    try:
        return str(ATTEMPT_LABELS[AttemptStatus(status)])
    except ValueError:
        return status


def amount_in(value: Any, currency: str | None) -> str:
    """An event's amount in its own currency: dollars and cents, or whole riel."""
    if value is None:
        return ""
    if currency == "KHR":
        return numbers.format_currency(value, "KHR", format="#,##0 ¤", currency_digits=False, locale=current_locale())
    return money(value, currency or None)


def checkable(attempt: PaymentAttempt) -> bool:
    """Whether "check now" is offered: a KHQR attempt the sweep still looks at."""
    return attempt.provider == "khqr" and attempt.next_check_at is not None


def payment_context(order: Order, forms: dict[str, Any]) -> dict[str, Any]:
    """What the payment section needs, for the order page's context."""
    attempts = payments.attempts_of(order.id)
    mismatches = [
        (attempt, event) for attempt in attempts for event in attempt.events if event.kind == EventKind.MISMATCH.value
    ]
    return {
        "payment_attempts": attempts,
        "payment_mismatches": mismatches,
        "payment_needs_refund": payments.needs_refund(order),
        "cash_form": forms.get("cash_form") or CashForm(formdata=None),
        # offered on open cash orders; shown again with its error whenever it was posted
        "can_record_cash": (order.payment_method == "cod" and order.status != OrderStatus.CANCELLED)
        or "cash_form" in forms,
        "check_form": CheckForm(formdata=None),
        "payment_event_label": event_label,
        "payment_attempt_label": attempt_label,
        "payment_provider_labels": PROVIDER_LABELS,
        "payment_checkable": checkable,
        "payment_amount": amount_in,
    }
