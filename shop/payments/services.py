"""Payments: starting a KHQR payment, recording what the provider says, expiring unpaid orders,
money that arrives late, a new QR, cash on delivery.

The rules, in one place for every door and job:

- An order's `payment_status` follows from its attempts' events and its refunds
  (`refresh_payment_status`); nothing sets it by a guess.
- A payment counts only when its amount, currency and receiving account are the attempt's.
  Anything else is a `mismatch` event for staff, never paid. Paid twice is paid once: the
  attempt row is locked while an answer is recorded, and a unique index allows one payment
  event per attempt.
- Locks are always taken order first, then attempt, so the sweep, the shopper's poll and a late
  payment can run at the same time without deadlocks; each re-reads the state under the lock.
- The provider is asked with no transaction open and no lock held (a slow Bakong must not hold
  up anyone), and never inside a page request (shop/payments/jobs.py).
"""

from __future__ import annotations

import contextlib
import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from shop.audit.actors import Actor
from shop.catalog import services as catalog
from shop.coupons.models import CouponUsage
from shop.coupons.services import CouponNotApplicable
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.jobs import enqueue
from shop.money import usd_to_khr
from shop.orders import jobs as order_jobs
from shop.orders import services as orders
from shop.orders.models import Order, OrderRefund, OrderStatus, OrderStatusEvent, PaymentStatus
from shop.payments import khqr
from shop.payments.bakong import backoff
from shop.payments.models import PAYMENT_KINDS, AttemptStatus, EventKind, PaymentAttempt, PaymentEvent
from shop.payments.providers import CheckResult, Outcome, Transaction, provider_for

log = logging.getLogger("shop.payments")
CURRENCIES = ("USD", "KHR")
EXPIRED_REASON = "payment expired"
# While the QR can still be paid, the sweep asks at least this often (the shopper's page asks
# more often while it is open); after expiry the backoff grows to half an hour.
OPEN_CHECK_EVERY = timedelta(seconds=60)
ZERO = Decimal("0.00")


class PaymentUnavailable(ShopError):
    status = 409
    code = "payment_unavailable"


def khqr_enabled() -> bool:
    """Whether KHQR is offered: only with the shop's Bakong account set (KHQR_ACCOUNT_ID)."""
    return bool(current_app.config.get("KHQR_ACCOUNT_ID"))


def charge_amount(total: Decimal, currency: str) -> Decimal:
    """What the shopper is asked for: the order total in dollars, or in whole riel at
    KHR_PER_USD, half up to 100 riel (the riel shown beside every dollar price)."""
    if currency == "USD":
        return total
    return Decimal(usd_to_khr(total, current_app.config["KHR_PER_USD"]))


def _ms(moment: datetime) -> datetime:
    """KHQR carries milliseconds: the attempt keeps exactly the times its QR says."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# ---------------------------------------------------------------- starting


def start_khqr_payment(order: Order, currency: str, *, now: datetime | None = None) -> PaymentAttempt:
    """Make the KHQR for a new order, inside place_order's transaction (no commit), so an order
    with KHQR never exists without its QR. The QR is built here from the shop's settings: no
    order data goes to anyone to make it."""
    if not khqr_enabled():
        raise PaymentUnavailable(_l("Paying by KHQR is not available at the moment."), field="payment_method")
    if currency not in CURRENCIES:
        raise ShopError(_l("Choose US dollars or riel."), field="currency")
    return _new_attempt(order, currency, now or utcnow())


def _new_attempt(order: Order, currency: str, now: datetime) -> PaymentAttempt:
    now = _ms(now)
    amount = charge_amount(order.total, currency)
    attempt = PaymentAttempt(
        order=order,
        provider="khqr",
        currency=currency,
        amount=amount,
        status=AttemptStatus.OPEN.value,
        created_at=now,
        expires_at=now + timedelta(minutes=current_app.config["PAYMENT_EXPIRES_MINUTES"]),
        next_check_at=now + backoff(1),
        check_count=0,
    )
    try:
        payload = provider_for("khqr").create(attempt)
    except khqr.KHQRError as error:  # the shop's settings cannot make a QR: say so, write nothing
        log.error("KHQR settings are invalid: %s", error)
        raise PaymentUnavailable(_l("Paying by KHQR is not available at the moment."), field="payment_method") from None
    attempt.qr_string, attempt.md5 = payload.qr_string, payload.md5
    order.payment_currency, order.payment_amount = currency, amount
    db.session.add(attempt)
    db.session.add(PaymentEvent(attempt=attempt, kind=EventKind.CREATED.value, amount=amount, currency=currency))
    db.session.flush()
    from shop.payments import jobs  # jobs imports this module

    enqueue(jobs.make_deeplink, attempt.id)  # once this transaction commits; dropped by a rollback
    return attempt


# ---------------------------------------------------------------- reading


def attempts_of(order_id: int) -> list[PaymentAttempt]:
    """An order's attempts, oldest first, with their events (for the order pages)."""
    return list(
        db.session.scalars(
            sa.select(PaymentAttempt)
            .where(PaymentAttempt.order_id == order_id)
            .options(sa.orm.selectinload(PaymentAttempt.events))
            .order_by(PaymentAttempt.id)
        )
    )


def current_attempt(order_id: int) -> PaymentAttempt | None:
    """The order's newest KHQR attempt (the one its payment page shows)."""
    return db.session.scalar(
        sa.select(PaymentAttempt)
        .where(PaymentAttempt.order_id == order_id, PaymentAttempt.provider == "khqr")
        .order_by(PaymentAttempt.id.desc())
        .limit(1)
    )


def _payments_received(order_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PaymentEvent)
            .join(PaymentAttempt, PaymentAttempt.id == PaymentEvent.attempt_id)
            .where(PaymentAttempt.order_id == order_id, PaymentEvent.kind.in_(PAYMENT_KINDS))
        )
        or 0
    )


def _cash_received(order_id: int) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentEvent.amount), 0))
        .join(PaymentAttempt, PaymentAttempt.id == PaymentEvent.attempt_id)
        .where(PaymentAttempt.order_id == order_id, PaymentEvent.kind == EventKind.CASH_RECEIVED.value)
    )
    return Decimal(str(total)).quantize(Decimal("0.01"))


def _refunded(order_id: int) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(OrderRefund.amount), 0)).where(OrderRefund.order_id == order_id)
    )
    return Decimal(str(total)).quantize(Decimal("0.01"))


def refresh_payment_status(order: Order) -> PaymentStatus:
    """Set the order's payment status from what was recorded, the one rule for it:

    refunds of the whole total -> refunded, of part -> partially refunded (as the refund
    service sets them); else a payment received (KHQR) or cash covering the total -> paid; some
    cash -> partially paid; a failed KHQR payment with no attempt still open -> failed; else
    pending. The caller has the order locked and commits."""
    db.session.flush()
    refunded = _refunded(order.id)
    cash = _cash_received(order.id)
    statuses = set(db.session.scalars(sa.select(PaymentAttempt.status).where(PaymentAttempt.order_id == order.id)))
    if refunded >= order.total and refunded > ZERO:
        status = PaymentStatus.REFUNDED
    elif refunded > ZERO:
        status = PaymentStatus.PARTIALLY_REFUNDED
    elif _payments_received(order.id) or (cash >= order.total and cash > ZERO):
        status = PaymentStatus.PAID
    elif cash > ZERO:
        status = PaymentStatus.PARTIALLY_PAID
    elif AttemptStatus.FAILED.value in statuses and AttemptStatus.OPEN.value not in statuses:
        status = PaymentStatus.FAILED
    else:
        status = PaymentStatus.PENDING
    order.payment_status = status
    return status


def needs_refund(order: Order) -> bool:
    """Whether money was received that the shop must give back: a payment on an order that
    stays cancelled (it came after expiry and the stock was gone), or a second payment."""
    payments = _payments_received(order.id) + (1 if _cash_received(order.id) >= order.total > ZERO else 0)
    kept = 0 if order.status == OrderStatus.CANCELLED else 1
    excess = max(0, payments - kept) * order.total
    return excess > ZERO and _refunded(order.id) < excess


def orders_needing_refund() -> list[Order]:
    """Every order holding money to give back (for the staff dashboard and order list)."""
    flagged = (
        sa.select(PaymentAttempt.order_id)
        .join(PaymentEvent, PaymentEvent.attempt_id == PaymentAttempt.id)
        .where(PaymentEvent.kind == EventKind.REFUND_NEEDED.value)
        .distinct()
    )
    candidates = db.session.scalars(sa.select(Order).where(Order.id.in_(flagged)).order_by(Order.id))
    return [order for order in candidates if needs_refund(order)]


# ---------------------------------------------------------------- locking


def _lock(attempt_id: int) -> tuple[Order, PaymentAttempt] | None:
    """The attempt's order, then the attempt, locked FOR UPDATE and read afresh."""
    order_id = db.session.scalar(sa.select(PaymentAttempt.order_id).where(PaymentAttempt.id == attempt_id))
    if order_id is None:
        return None
    fresh = {"populate_existing": True}
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id).with_for_update().execution_options(**fresh))
    attempt = db.session.scalar(
        sa.select(PaymentAttempt).where(PaymentAttempt.id == attempt_id).with_for_update().execution_options(**fresh)
    )
    if order is None or attempt is None:
        return None
    return order, attempt


def _lock_order(order_id: int, user_id: int | None = None) -> Order:
    query = sa.select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    if user_id is not None:
        query = query.where(Order.user_id == user_id)
    order = db.session.scalar(query)
    if order is None:
        raise NotFound()
    return order


def _event(attempt: PaymentAttempt, kind: EventKind, **values: Any) -> PaymentEvent:
    event = PaymentEvent(attempt_id=attempt.id, kind=kind.value, **values)
    db.session.add(event)
    return event


def _product_ids(order: Order) -> list[int]:
    return sorted({item.product_id for item in order.items if item.product_id is not None})


@dataclass
class _Changes:
    """What a transaction did that needs work after commit."""

    stock_of: list[int] | None = None  # products whose stock moved: caches to refresh

    def stock_moved(self, order: Order) -> None:
        self.stock_of = sorted(set(self.stock_of or []) | set(_product_ids(order)))


def _commit(changes: _Changes) -> None:
    if changes.stock_of:
        catalog.refresh_product_stats(changes.stock_of)  # units sold follow cancelled orders
    db.session.commit()
    if changes.stock_of:
        catalog.invalidate_catalog_cache(product_ids=changes.stock_of)


# ---------------------------------------------------------------- checking


def check_attempt(attempt_id: int, *, now: datetime | None = None) -> CheckResult | None:
    """Ask the provider whether the attempt was paid and record the answer. Run by the RQ job
    (shop.payments.jobs), never in a page request. None when there is nothing to ask: the
    attempt is settled or no longer looked at, or its provider is not asked (cash)."""
    attempt = db.session.get(PaymentAttempt, attempt_id)
    if attempt is None or attempt.next_check_at is None:
        db.session.rollback()
        return None
    provider = provider_for(attempt.provider)
    if not provider.checks:
        db.session.rollback()
        return None
    # The question is asked with no transaction open: a connection waiting on Bakong for
    # seconds must hold neither a lock nor a snapshot. The provider gets a detached copy.
    question = PaymentAttempt(
        id=attempt.id,
        provider=attempt.provider,
        currency=attempt.currency,
        amount=attempt.amount,
        qr_string=attempt.qr_string,
        md5=attempt.md5,
        expires_at=attempt.expires_at,
    )
    db.session.rollback()
    result = provider.check(question)
    record_check(attempt_id, result, now=now)
    return result


def record_check(attempt_id: int, result: CheckResult, *, now: datetime | None = None) -> None:
    """Record one answer of the provider for the attempt, under the order's and the attempt's
    locks: a payment (once), a failure, or only when it is new what was said; then expire the
    attempt when its time is up and it is still unpaid."""
    now = now or utcnow()
    locked = _lock(attempt_id)
    if locked is None:
        db.session.rollback()
        return
    order, attempt = locked
    changes = _Changes()
    attempt.check_count += 1
    attempt.last_checked_at = now
    if result.outcome == Outcome.PAID and result.transaction is not None:
        _money_arrived(order, attempt, result, result.transaction, now, changes)
    elif result.outcome == Outcome.FAILED and attempt.status == AttemptStatus.OPEN.value:
        attempt.status = AttemptStatus.FAILED.value
        attempt.next_check_at = None
        _event(attempt, EventKind.FAILED, note=result.reason, raw=result.raw)
    else:
        if result.outcome.value != attempt.last_outcome:
            _event(attempt, EventKind.CHECKED, note=_check_note(result), raw=result.raw)
        if result.outcome == Outcome.UNAUTHORIZED:
            log.error("Bakong refused the shop's token (%s): renew BAKONG_TOKEN", result.reason)
        if attempt.next_check_at is not None:
            attempt.next_check_at = _next_check(attempt, now)
    attempt.last_outcome = result.outcome.value
    if _overdue(attempt, now):
        _expire(order, attempt, now, changes)
    refresh_payment_status(order)
    _commit(changes)


def _check_note(result: CheckResult) -> str:
    return f"{result.outcome.value}: {result.reason}" if result.reason else result.outcome.value


def _overdue(attempt: PaymentAttempt, now: datetime) -> bool:
    return (
        attempt.status in (AttemptStatus.OPEN.value, AttemptStatus.FAILED.value)
        and attempt.expires_at is not None
        and attempt.expires_at <= now
    )


def _next_check(attempt: PaymentAttempt, now: datetime) -> datetime | None:
    """Open: at least every OPEN_CHECK_EVERY. After expiry (money may still come): a growing
    backoff, until PAYMENT_LATE_CHECK_HOURS after the expiry, then never again."""
    wait = backoff(attempt.check_count)
    if attempt.status == AttemptStatus.OPEN.value and (attempt.expires_at is None or now < attempt.expires_at):
        return now + min(wait, OPEN_CHECK_EVERY)
    until = (attempt.expires_at or now) + timedelta(hours=current_app.config["PAYMENT_LATE_CHECK_HOURS"])
    return now + wait if now + wait <= until else None


def _mismatch(attempt: PaymentAttempt, transaction: Transaction) -> list[str]:
    """What in the reported payment is not what the attempt asked for."""
    problems = []
    if transaction.currency != attempt.currency:
        problems.append(f"currency {transaction.currency!r} instead of {attempt.currency!r}")
    if transaction.amount != attempt.amount:  # exact: 53.45 is not 53.4, 219200 riel is not 219150
        problems.append(f"amount {transaction.amount} instead of {attempt.amount}")
    expected = khqr.decode(attempt.qr_string).account_id if attempt.qr_string else None
    if transaction.to_account != expected:
        problems.append(f"to account {transaction.to_account!r} instead of {expected!r}")
    return problems


def _money_arrived(
    order: Order,
    attempt: PaymentAttempt,
    result: CheckResult,
    transaction: Transaction,
    now: datetime,
    changes: _Changes,
) -> None:
    if attempt.status == AttemptStatus.PAID.value:
        return  # paid twice is paid once
    problems = _mismatch(attempt, transaction)
    if problems:
        # Shown to staff (once); the answer will not change for this QR, so it is not asked again.
        shown = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PaymentEvent)
            .where(PaymentEvent.attempt_id == attempt.id, PaymentEvent.kind == EventKind.MISMATCH.value)
        )
        if not shown:
            _event(
                attempt,
                EventKind.MISMATCH,
                amount=transaction.amount.quantize(Decimal("0.01")),
                currency=transaction.currency[:3] or None,
                note="; ".join(problems),
                raw=result.raw,
            )
        attempt.next_check_at = None
        return
    late = attempt.status != AttemptStatus.OPEN.value or (attempt.expires_at is not None and now > attempt.expires_at)
    already_paid = _payments_received(order.id) > 0
    attempt.status = AttemptStatus.PAID.value
    attempt.paid_at = now
    attempt.next_check_at = None
    _event(
        attempt,
        EventKind.PAID_AFTER_EXPIRY if late else EventKind.PAID,
        amount=attempt.amount,
        currency=attempt.currency,
        note=transaction.reference,
        raw=result.raw,
    )
    if already_paid:
        _event(attempt, EventKind.REFUND_NEEDED, note="the order was already paid with another QR")
    elif order.status == OrderStatus.CANCELLED:
        _bring_back(order, attempt, changes)
    else:
        enqueue(order_jobs.send_order_confirmation, order.id)
    _close_other_attempts(order, attempt, now)


def _bring_back(order: Order, attempt: PaymentAttempt, changes: _Changes) -> None:
    """Money for a cancelled order: when it was cancelled because its payment expired and the
    stock (and coupon) can be taken again, the order comes back; otherwise staff refund it."""
    if order.cancel_reason != EXPIRED_REASON:
        _event(attempt, EventKind.REFUND_NEEDED, note="the order had been cancelled")
        return
    try:
        with db.session.begin_nested():
            orders.reclaim_holds(order, _released_coupon_uses(order))
    except (orders.OutOfStock, orders.ProductUnavailable, CouponNotApplicable) as error:
        _event(attempt, EventKind.REFUND_NEEDED, note=f"not restored: {error.code} {error.message}")
        return
    _reopen(order, "payment received after expiry")
    _event(attempt, EventKind.RESTORED)
    changes.stock_moved(order)
    enqueue(order_jobs.send_order_confirmation, order.id)


def _close_other_attempts(order: Order, paid: PaymentAttempt, now: datetime) -> None:
    """The order is paid: its other open QRs are no longer wanted (still watched for money)."""
    others = db.session.scalars(
        sa.select(PaymentAttempt).where(
            PaymentAttempt.order_id == order.id,
            PaymentAttempt.id != paid.id,
            PaymentAttempt.status == AttemptStatus.OPEN.value,
        )
    )
    for other in others:
        other.status = AttemptStatus.CANCELLED.value
        _event(other, EventKind.CANCELLED, note="the order was paid with another QR")


def _reopen(order: Order, note: str) -> None:
    """A cancelled (expired) order back to pending: outside the staff's status machine, which
    never reopens an order; recorded on the timeline like any move."""
    db.session.add(
        OrderStatusEvent(
            order_id=order.id, from_status=OrderStatus.CANCELLED.value, to_status=OrderStatus.PENDING.value, note=note
        )
    )
    order.status = OrderStatus.PENDING
    order.cancel_reason = None


def _released_coupon_uses(order: Order) -> list[dict]:
    """The coupon uses the order's last expiry gave back (kept in that event)."""
    raw = db.session.scalar(
        sa.select(PaymentEvent.raw)
        .join(PaymentAttempt, PaymentAttempt.id == PaymentEvent.attempt_id)
        .where(PaymentAttempt.order_id == order.id, PaymentEvent.kind == EventKind.EXPIRED.value)
        .order_by(PaymentEvent.id.desc())
        .limit(1)
    )
    return list((raw or {}).get("coupon_uses", []))


# ---------------------------------------------------------------- expiry


def expire_unpaid(now: datetime | None = None) -> int:
    """Expire every KHQR attempt unpaid past its time and cancel its order ("payment expired"),
    stock and coupon use given back, each order in its own transaction. Returns how many
    orders were cancelled. Money that comes later is still looked for (`check_attempt`)."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(PaymentAttempt.id)
        .where(
            PaymentAttempt.provider == "khqr",
            PaymentAttempt.status.in_((AttemptStatus.OPEN.value, AttemptStatus.FAILED.value)),
            PaymentAttempt.expires_at <= now,
        )
        .order_by(PaymentAttempt.expires_at)
    ).all()
    db.session.rollback()
    return sum(expire_attempt(attempt_id, now=now) for attempt_id in due)


def expire_attempt(attempt_id: int, *, now: datetime | None = None) -> bool:
    """Expire one attempt if it is still unpaid past its time; True if its order was cancelled."""
    now = now or utcnow()
    locked = _lock(attempt_id)
    if locked is None:
        db.session.rollback()
        return False
    order, attempt = locked
    if not _overdue(attempt, now):
        db.session.rollback()
        return False
    changes = _Changes()
    cancelled = _expire(order, attempt, now, changes)
    refresh_payment_status(order)
    _commit(changes)
    return cancelled


def _expire(order: Order, attempt: PaymentAttempt, now: datetime, changes: _Changes) -> bool:
    """Under the locks: the attempt expires; a pending order with nothing paid and no other QR
    still payable is cancelled, its stock, coupon use and totals given back in this same
    transaction. The coupon uses go in the event, so money arriving later can take them again."""
    attempt.status = AttemptStatus.EXPIRED.value
    attempt.next_check_at = now + backoff(1)  # late money is still looked for
    still_payable = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(PaymentAttempt)
        .where(
            PaymentAttempt.order_id == order.id,
            PaymentAttempt.id != attempt.id,
            PaymentAttempt.status == AttemptStatus.OPEN.value,
            PaymentAttempt.expires_at > now,
        )
    )
    cancel = order.status == OrderStatus.PENDING and not still_payable and _payments_received(order.id) == 0
    if not cancel:
        _event(attempt, EventKind.EXPIRED, note="the order was not cancelled")
        return False
    uses = db.session.scalars(sa.select(CouponUsage).where(CouponUsage.order_id == order.id)).all()
    raw = {"coupon_uses": [{"coupon_id": u.coupon_id, "discount_amount": str(u.discount_amount)} for u in uses]}
    _event(attempt, EventKind.EXPIRED, note=EXPIRED_REASON, raw=raw)
    orders.transition(order, OrderStatus.CANCELLED, note=EXPIRED_REASON)
    order.cancel_reason = EXPIRED_REASON
    orders.release_holds(order)
    changes.stock_moved(order)
    return True


# ---------------------------------------------------------------- a new QR


def renew_payment(
    order_id: int, *, user_id: int | None = None, currency: str | None = None, now: datetime | None = None
) -> PaymentAttempt:
    """A new KHQR for an unpaid order whose QR expired or failed. An order cancelled because its
    payment expired comes back if its stock (and coupon) can be taken again, all or nothing;
    otherwise OutOfStock says what is missing. A QR that can still be paid is returned as it is.
    `user_id` limits it to the shopper's own order."""
    now = now or utcnow()
    try:
        order = _lock_order(order_id, user_id)
        if order.payment_method != "khqr":
            raise ShopError(_l("This order is not paid by KHQR."), field="payment_method")
        if not khqr_enabled():
            raise PaymentUnavailable(_l("Paying by KHQR is not available at the moment."), field="payment_method")
        if _payments_received(order.id):
            raise Conflict(_l("This order is already paid."))
        current = current_attempt(order.id)
        if (
            current is not None
            and current.status == AttemptStatus.OPEN.value
            and not _overdue(current, now)
            and order.status == OrderStatus.PENDING  # a QR of an order cancelled meanwhile is not offered
        ):
            db.session.rollback()
            return current
        changes = _Changes()
        if current is not None and current.status == AttemptStatus.OPEN.value:
            current.status = AttemptStatus.EXPIRED.value  # its time is up: a new QR replaces it
            _event(current, EventKind.EXPIRED, note="replaced by a new QR")
        if order.status == OrderStatus.CANCELLED:
            if order.cancel_reason != EXPIRED_REASON:
                raise Conflict(_l("This order was cancelled."))
            orders.reclaim_holds(order, _released_coupon_uses(order))
            _reopen(order, "new payment QR")
            changes.stock_moved(order)
        elif order.status != OrderStatus.PENDING:
            raise Conflict(_l("This order can no longer be paid by KHQR."))
        chosen = currency or order.payment_currency or "USD"
        if chosen not in CURRENCIES:
            raise ShopError(_l("Choose US dollars or riel."), field="currency")
        attempt = _new_attempt(order, chosen, now)
        refresh_payment_status(order)
        _commit(changes)
        return attempt
    except Exception:
        db.session.rollback()
        raise


def renew_khqr_payment(order: Order, currency: str | None = None, *, user_id: int | None = None) -> PaymentAttempt:
    """A new KHQR for `order` when its QR expired unpaid (the name the payment page and the API
    share): re-takes the stock and coupon of an order cancelled by expiry, or refuses with a
    Conflict / OutOfStock saying why. See `renew_payment` for the rules."""
    return renew_payment(order.id, user_id=user_id, currency=currency)


# ---------------------------------------------------------------- cash on delivery


# How far in the future a "received at" time may be (clocks of phones and servers differ a little).
CLOCK_SKEW = timedelta(minutes=5)


def record_cash_received(
    order_id: int,
    amount: Decimal,
    *,
    actor: Actor,
    now: datetime | None = None,
    received_by: str | None = None,
    received_at: datetime | None = None,
    allow_over: bool = False,
) -> PaymentEvent:
    """Staff record cash received for a cash-on-delivery order: an event (amount, who took it,
    when) and an audit entry, in one transaction. Never more than is still due unless the staff
    member confirms it (`allow_over`: the courier kept no change, say), so that a typo such as
    235.00 for 23.50 is caught. The order is locked: two staff recording the same cash at once
    cannot both pass the "still due" check."""
    from shop.orders.fulfilment import parse_amount

    now = now or utcnow()
    try:
        amount = parse_amount(amount)
        received_by = (received_by or "").strip() or None
        if received_by is not None and len(received_by) > 100:
            raise ShopError(_l("Enter at most %(max)s characters.", max=100), field="received_by")
        if received_at is not None and received_at > now + CLOCK_SKEW:
            raise ShopError(_l("The cash cannot have been received in the future."), field="received_at")
        order = _lock_order(order_id)
        if order.payment_method != "cod":
            raise ShopError(_l("Cash is recorded on cash on delivery orders only."), field="amount")
        if order.status == OrderStatus.CANCELLED:
            raise Conflict(_l("This order was cancelled."), field="amount")
        due = order.total - _cash_received(order.id)
        if amount > due and not allow_over:
            raise ShopError(
                _l("At most %(amount)s is still due on this order.", amount=str(max(due, ZERO))),
                field="amount",
                available=str(max(due, ZERO)),
            )
        attempt = db.session.scalar(
            sa.select(PaymentAttempt).where(PaymentAttempt.order_id == order.id, PaymentAttempt.provider == "cod")
        )
        if attempt is None:
            attempt = PaymentAttempt(
                order_id=order.id, provider="cod", currency="USD", amount=order.total, status="open", check_count=0
            )
            db.session.add(attempt)
            db.session.flush()
            _event(attempt, EventKind.CREATED, amount=order.total, currency="USD")
        before = {"payment_status": order.payment_status.value, "cash_received": str(order.total - due)}
        details = {
            "received_by": received_by or actor.email,
            "received_at": (received_at or now).isoformat(),
            "over_due": str(amount - max(due, ZERO)) if amount > due else None,
        }
        note = f"received by {details['received_by']} at {details['received_at']}"
        if details["over_due"] is not None:
            note += f"; {details['over_due']} more than was due (confirmed)"
        event = _event(
            attempt, EventKind.CASH_RECEIVED, amount=amount, currency="USD", actor_id=actor.id, note=note, raw=details
        )
        if amount >= due:
            attempt.status = AttemptStatus.PAID.value
            attempt.paid_at = received_at or now
        refresh_payment_status(order)
        after = {
            "payment_status": order.payment_status.value,
            "cash_received": str(order.total - due + amount),
            **details,
        }
        actor.record("order.cash_received", "order", order.id, before=before, after=after)
        db.session.commit()
        return event
    except Exception:
        db.session.rollback()
        raise


def request_payment_status(order_id: int, status: PaymentStatus, *, actor: Actor) -> PaymentEvent | None:
    """Staff ask for a payment status by name (the seed's `PUT /admin/orders/<id>/payment-status`).
    An order's payment status follows what was recorded (`refresh_payment_status`), so no value
    is written by hand: "paid" on a cash-on-delivery order records the cash still due as received
    now by the staff member (`record_cash_received`: an event and an audit entry), and returns
    that event; the status the order already has changes nothing (None); anything else is refused
    with the action that sets it: a refund, the cash received with its amount, or "Check now"
    for a KHQR payment, which only the bank confirms."""
    status = PaymentStatus(status)
    if status in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
        raise ShopError(_l("Refunded statuses are set by recording a refund."), field="payment_status")
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound()
    current, method, due = order.payment_status, order.payment_method, order.total - _cash_received(order_id)
    db.session.rollback()
    if current in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
        raise Conflict(_l("This order has refunds: its payment status follows them."), field="payment_status")
    if status == current:
        return None
    if method == "cod" and status == PaymentStatus.PAID:
        # "Still due" is checked again under the order's lock: two staff at once record it once.
        return record_cash_received(order_id, due, actor=actor)
    if method == "khqr":
        raise Conflict(
            _l("A KHQR payment is confirmed by the bank, never by hand: ask the bank with “Check now”."),
            field="payment_status",
        )
    raise Conflict(
        _l("The payment status follows the cash recorded: record the cash received, with its amount."),
        field="payment_status",
    )


# ---------------------------------------------------------------- the shopper's payment page


class PageState(enum.StrEnum):
    OPEN = "open"  # a QR that can be paid now
    PAID = "paid"
    EXPIRED = "expired"  # unpaid and past its time (or failed): a new QR can be asked for
    CLOSED = "closed"  # nothing to pay by KHQR (cancelled for another reason, not a KHQR order)


@dataclass(frozen=True)
class PaymentPage:
    """What the shopper's payment page shows, read from the database alone."""

    order: Order
    attempt: PaymentAttempt | None
    state: PageState
    merchant_name: str

    @property
    def expires_at(self) -> datetime | None:
        return self.attempt.expires_at if self.attempt is not None else None

    @property
    def wants_check(self) -> bool:
        """Whether a poll should ask for a check: the QR is still open and looked at (an open QR
        past its time too: money may have come in its last seconds, and the check expires it)."""
        return (
            self.attempt is not None
            and self.attempt.status == AttemptStatus.OPEN.value
            and self.attempt.next_check_at is not None
        )


def awaits_payment(order: Order) -> bool:
    """Whether the shopper can still pay the order by KHQR ("Pay now" on the order pages): a
    KHQR order with nothing paid that is pending, or was cancelled only because its QR
    expired (a new QR brings it back if the stock is still there). Read from the order's own
    columns, so an order list asks nothing more."""
    return (
        order.payment_method == "khqr"
        and order.payment_status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
        and (
            order.status == OrderStatus.PENDING
            or (order.status == OrderStatus.CANCELLED and order.cancel_reason == EXPIRED_REASON)
        )
    )


def payment_page(order: Order, *, now: datetime | None = None) -> PaymentPage:
    """The state of an order's KHQR payment for its payment page and the page's poll. It reads
    the database only and never asks Bakong: a check is asked for separately
    (shop.payments.jobs.request_check) and its answer shows on a later poll."""
    now = now or utcnow()
    attempt = current_attempt(order.id)
    name = current_app.config.get("KHQR_MERCHANT_NAME") or current_app.config.get("SHOP_NAME") or ""
    if attempt is not None and attempt.qr_string:
        with contextlib.suppress(khqr.KHQRError):
            name = khqr.decode(attempt.qr_string).fields.get("59") or name  # what the bank app shows
    if order.payment_method == "khqr" and _payments_received(order.id):
        state = PageState.PAID
    elif (
        attempt is not None
        and attempt.status == AttemptStatus.OPEN.value
        and not _overdue(attempt, now)
        and order.status == OrderStatus.PENDING
    ):
        state = PageState.OPEN
    elif awaits_payment(order):
        state = PageState.EXPIRED
    else:
        state = PageState.CLOSED
    return PaymentPage(order=order, attempt=attempt, state=state, merchant_name=name)
