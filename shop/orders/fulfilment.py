"""The staff's side of orders: finding them, moving them along the status machine, payment and
fulfilment statuses, shipping with a tracking number, refunds and bulk status changes.

Every change locks the order row (SELECT ... FOR UPDATE), so two staff members acting on the
same order at once are serialised, and is written with its audit entry in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.audit.actors import Actor
from shop.catalog import services as catalog
from shop.catalog import variants as catalog_variants
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.infra.like import ESCAPE, contains
from shop.infra.transactions import all_or_nothing
from shop.jobs import enqueue
from shop.money import to_money
from shop.orders import jobs
from shop.orders import services as orders
from shop.orders.models import FulfillmentStatus, Order, OrderRefund, OrderStatus, PaymentStatus
from shop.paging import Page, paginate
from shop.reporting.periods import shop_timezone
from shop.reviews import services as reviews

ZERO = Decimal("0.00")
# Set by hand; shipped/delivered follow the status. The payment status is never set by hand: it
# follows the payments recorded (shop.payments.services.refresh_payment_status).
MANUAL_FULFILMENT = (FulfillmentStatus.UNFULFILLED, FulfillmentStatus.PARTIAL, FulfillmentStatus.FULFILLED)
REFUNDABLE_PAYMENT = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
CLOSED = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)
MAX_BULK = 200

PAYMENT_LABELS = {
    PaymentStatus.PENDING: _l("payment pending"),
    PaymentStatus.PAID: _l("paid"),
    PaymentStatus.PARTIALLY_PAID: _l("partially paid"),
    PaymentStatus.REFUNDED: _l("refunded"),
    PaymentStatus.PARTIALLY_REFUNDED: _l("partially refunded"),
    PaymentStatus.FAILED: _l("payment failed"),
}
FULFILMENT_LABELS = {
    FulfillmentStatus.UNFULFILLED: _l("unfulfilled"),
    FulfillmentStatus.PARTIAL: _l("partly fulfilled"),
    FulfillmentStatus.FULFILLED: _l("fulfilled"),
    FulfillmentStatus.SHIPPED: _l("shipped"),
    FulfillmentStatus.DELIVERED: _l("delivered"),
}


def payment_label(status: PaymentStatus) -> str:
    """The translated name of a payment status."""
    return str(PAYMENT_LABELS[PaymentStatus(status)])


def fulfilment_label(status: FulfillmentStatus) -> str:
    """The translated name of a fulfilment status."""
    return str(FULFILMENT_LABELS[FulfillmentStatus(status)])


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class OrderFilters:
    status: OrderStatus | None = None
    payment_status: PaymentStatus | None = None
    date_from: date | None = None
    date_to: date | None = None
    customer: str = ""


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=shop_timezone())


def list_orders(filters: OrderFilters, *, page: int = 1, per_page: int = 25) -> Page[Order]:
    """One page of the orders matching `filters` (dates are the shop's days, inclusive), newest
    first, and how many there are."""
    conditions = []
    if filters.status is not None:
        conditions.append(Order.status == filters.status)
    if filters.payment_status is not None:
        conditions.append(Order.payment_status == filters.payment_status)
    if filters.date_from is not None:
        conditions.append(Order.created_at >= _local_midnight(filters.date_from))
    if filters.date_to is not None:
        conditions.append(Order.created_at < _local_midnight(filters.date_to + timedelta(days=1)))
    text = filters.customer.strip().lower()
    if text:
        pattern = contains(text)
        conditions.append(
            sa.or_(
                sa.func.lower(Order.customer_email).like(pattern, escape=ESCAPE),
                sa.func.lower(Order.customer_name).like(pattern, escape=ESCAPE),
                sa.func.lower(Order.order_number).like(pattern, escape=ESCAPE),
            )
        )
    query = sa.select(Order).where(*conditions).order_by(Order.created_at.desc(), Order.id.desc())
    return paginate(query, page=page, per_page=per_page, options=[selectinload(Order.items)])


def get_order(order_id: int) -> Order:
    """Any order, with its items and timeline; NotFound when there is none."""
    order = db.session.scalar(
        sa.select(Order).where(Order.id == order_id).options(selectinload(Order.items), selectinload(Order.events))
    )
    if order is None:
        raise NotFound(_l("There is no such order."))
    return order


def refunds_of(order_id: int) -> list[OrderRefund]:
    """The order's refunds, oldest first."""
    query = sa.select(OrderRefund).where(OrderRefund.order_id == order_id).order_by(OrderRefund.id)
    return list(db.session.scalars(query))


def refunded_amount(order_id: int) -> Decimal:
    """What was already given back on the order."""
    total = db.session.scalar(sa.select(sa.func.sum(OrderRefund.amount)).where(OrderRefund.order_id == order_id))
    return to_money(total or ZERO)


def _locked(order_id: int) -> Order:
    order = db.session.scalar(sa.select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise NotFound(_l("There is no such order."))
    return order


def _state(order: Order) -> dict:
    return {
        "status": order.status.value,
        "payment_status": order.payment_status.value,
        "fulfillment_status": order.fulfillment_status.value,
        "tracking_number": order.tracking_number,
    }


def _product_ids(order: Order) -> list[int]:
    return sorted({item.product_id for item in order.items if item.product_id is not None})


def _finish(order: Order, *, recount: bool) -> Order:
    """Commit; when stock or units sold changed, recount and refresh the catalog caches."""
    ids = _product_ids(order) if recount else []
    if ids:
        catalog.refresh_product_stats(ids)
    db.session.commit()
    if ids:
        catalog.invalidate_catalog_cache(product_ids=ids)
    return order


# ---------------------------------------------------------------- status

# The one-click next step for each open status, in the order a parcel travels. Cancelling is
# offered apart (it is not progress); refunding goes through `refund`.
NEXT_STEP_LABELS = {
    OrderStatus.CONFIRMED: _l("Confirm"),
    OrderStatus.PROCESSING: _l("Start packing"),
    OrderStatus.SHIPPED: _l("Ship"),
    OrderStatus.DELIVERED: _l("Mark delivered"),
}


@dataclass(frozen=True)
class NextStep:
    """A status the order may move to now, as a button: `needs_tracking` for shipping."""

    status: OrderStatus
    label: str
    needs_tracking: bool = False


def next_steps(order: Order) -> list[NextStep]:
    """The forward moves TRANSITIONS allows from where the order is (staff see only the buttons
    that can work, so "pending cannot become shipped" is never a button)."""
    allowed = orders.TRANSITIONS[order.status]
    return [
        NextStep(status, str(label), needs_tracking=status == OrderStatus.SHIPPED)
        for status, label in NEXT_STEP_LABELS.items()
        if status in allowed
    ]


def can_cancel(order: Order) -> bool:
    """Whether staff may still cancel the order (TRANSITIONS: until it is shipped)."""
    return OrderStatus.CANCELLED in orders.TRANSITIONS[order.status]


def take_next_step(order_id: int, to_status: OrderStatus, *, actor: Actor, tracking_number: str | None = None) -> Order:
    """One click on the order page: ship with the tracking number, or any other move along
    TRANSITIONS. Refused with the reason when the order has moved meanwhile (another staff
    member clicked first) or the step is not a next step."""
    to_status = OrderStatus(to_status)
    if to_status not in NEXT_STEP_LABELS and to_status != OrderStatus.CANCELLED:
        raise ShopError(_l("That is not a next step for an order."), field="status")
    orders.check_transition(get_order(order_id), to_status)  # the reason first (checked again under lock)
    if to_status == OrderStatus.SHIPPED:
        return ship(order_id, tracking_number or "", actor=actor)
    return change_status(order_id, to_status, actor=actor)


def change_status(order_id: int, to_status: OrderStatus, *, actor: Actor, note: str | None = None) -> Order:
    """Move an order along TRANSITIONS. Cancelling gives stock and the coupon use back; shipping
    needs a tracking number (`ship`) and refunding needs money given back (`refund`)."""
    return all_or_nothing(lambda: _change_status(order_id, OrderStatus(to_status), actor, note))


def _change_status(order_id: int, to_status: OrderStatus, actor: Actor, note: str | None) -> Order:
    order = _locked(order_id)
    orders.check_transition(order, to_status)
    if to_status == OrderStatus.SHIPPED:
        raise ShopError(_l("Ship the order with its tracking number instead."), field="tracking_number")
    if to_status == OrderStatus.REFUNDED:
        raise ShopError(_l("Record a refund to mark the order refunded."), field="status")
    before = _state(order)
    if to_status == OrderStatus.CANCELLED:
        # cancel_order locks the row again (same transaction), gives back stock and coupon, commits.
        actor.record("order.status", "order", order.id, before=before, after={**before, "status": "cancelled"})
        order = orders.cancel_order(order.id, user_id=None, actor_id=actor.id, by_staff=True)
        catalog.refresh_product_stats(_product_ids(order))
        db.session.commit()
        catalog.invalidate_catalog_cache(product_ids=_product_ids(order))
        return order
    orders.transition(order, to_status, actor_id=actor.id, note=note)
    actor.record("order.status", "order", order.id, before=before, after=_state(order))
    verified = reviews.mark_verified_purchases(order) if to_status == OrderStatus.DELIVERED else 0
    _finish(order, recount=False)
    if verified:
        catalog.invalidate_product_pages()  # the pages show the badge
    return order


def set_fulfilment_status(order_id: int, status: FulfillmentStatus, *, actor: Actor) -> Order:
    """Record how far packing got (unfulfilled, partly, fulfilled) on an open order. Shipped and
    delivered follow the order status."""
    return all_or_nothing(lambda: _set_fulfilment_status(order_id, FulfillmentStatus(status), actor))


def _set_fulfilment_status(order_id: int, status: FulfillmentStatus, actor: Actor) -> Order:
    order = _locked(order_id)
    if status not in MANUAL_FULFILMENT:
        raise ShopError(_l("Shipped and delivered follow the order status."), field="fulfillment_status")
    if order.status in CLOSED:
        raise ShopError(
            _l(
                "The fulfilment of an order that is %(status)s cannot change.",
                status=LazyString(orders.status_label, order.status),
            ),
            field="fulfillment_status",
        )
    before = _state(order)
    order.fulfillment_status = status
    actor.record("order.fulfillment_status", "order", order.id, before=before, after=_state(order))
    return _finish(order, recount=False)


def ship(order_id: int, tracking_number: str, *, actor: Actor) -> Order:
    """Mark a processing order shipped with its tracking number; the shopper is emailed (in
    their language) once it commits."""
    return all_or_nothing(lambda: _ship(order_id, tracking_number, actor))


def _ship(order_id: int, tracking_number: str, actor: Actor) -> Order:
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise ShopError(_l("Enter the tracking number."), field="tracking_number")
    if len(tracking_number) > 100:
        raise ShopError(_l("The tracking number is too long."), field="tracking_number")
    order = _locked(order_id)
    orders.check_transition(order, OrderStatus.SHIPPED)
    before = _state(order)
    order.tracking_number = tracking_number
    orders.transition(order, OrderStatus.SHIPPED, actor_id=actor.id, note=tracking_number)
    actor.record("order.ship", "order", order.id, before=before, after=_state(order))
    enqueue(jobs.send_shipping_notice, order.id)
    return _finish(order, recount=False)


# ---------------------------------------------------------------- refunds


def parse_amount(value: object) -> Decimal:
    """A refund amount from input: a positive number of dollars and cents."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ShopError(_l("Enter an amount such as 12.50."), field="amount") from None
    # Beyond NUMERIC(12,2) (or Decimal's 28 digits, where quantize itself fails) is no amount.
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e10"):
        raise ShopError(_l("Enter an amount such as 12.50."), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ShopError(_l("Enter an amount such as 12.50."), field="amount")
    return to_money(amount)


def refund(
    order_id: int, amount: Decimal, *, actor: Actor, restock: bool = False, reason: str | None = None
) -> OrderRefund:
    """Give back `amount` (all or part) of a paid order: never more than paid minus what was
    already refunded. `restock` puts every item back in stock (once per order; not for a
    cancelled order, whose stock already went back). Refunding everything of a delivered order
    moves it to refunded."""
    return all_or_nothing(lambda: _refund(order_id, amount, actor, restock, reason))


def _refund(order_id: int, amount: Decimal, actor: Actor, restock: bool, reason: str | None) -> OrderRefund:
    amount = parse_amount(amount)
    order = _locked(order_id)
    if order.payment_status not in REFUNDABLE_PAYMENT:
        raise ShopError(_l("Only a paid order can be refunded."), field="amount")
    already = refunded_amount(order.id)
    left = to_money(order.total - already)
    if amount > left:
        raise ShopError(
            _l("You can refund at most %(amount)s on this order.", amount=str(left)),
            field="amount",
            available=str(left),
        )
    if restock:
        if order.status == OrderStatus.CANCELLED:
            raise ShopError(_l("A cancelled order's stock is already back."), field="restock")
        restocked = db.session.scalar(
            sa.select(sa.func.count()).where(OrderRefund.order_id == order.id, OrderRefund.restocked)
        )
        if restocked:
            raise ShopError(_l("This order's items were already put back in stock."), field="restock")
    before = {**_state(order), "refunded": str(already)}
    entry = OrderRefund(order_id=order.id, amount=amount, reason=reason or None, restocked=restock, actor_id=actor.id)
    db.session.add(entry)
    if restock:
        catalog_variants.give_back(order.items)
    full = already + amount == order.total
    order.payment_status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
    recount = restock
    if full and OrderStatus.REFUNDED in orders.TRANSITIONS[order.status]:
        orders.transition(order, OrderStatus.REFUNDED, actor_id=actor.id, note=reason)
        recount = True
    if order.user_id is not None and order.status != OrderStatus.CANCELLED:
        db.session.execute(
            sa.update(User).where(User.id == order.user_id).values(total_spent=User.total_spent - amount)
        )
    after = {**_state(order), "refunded": str(already + amount), "restocked": restock}
    actor.record("order.refund", "order", order.id, before=before, after=after)
    _finish(order, recount=recount)
    return entry


# ---------------------------------------------------------------- bulk


@dataclass(frozen=True)
class BulkOutcome:
    """One order of a bulk change: done, or refused with the reason."""

    order_id: int
    ok: bool
    message: str = ""


def bulk_change_status(order_ids: Sequence[int], to_status: OrderStatus, *, actor: Actor) -> list[BulkOutcome]:
    """Move each order to `to_status` in its own transaction; each is reported done or refused."""
    if not order_ids:
        raise ShopError(_l("Choose at least one order."), field="ids")
    if len(order_ids) > MAX_BULK:
        raise ShopError(_l("Choose at most %(count)s orders at once.", count=MAX_BULK), field="ids")
    outcomes = []
    for order_id in dict.fromkeys(order_ids):
        try:
            change_status(order_id, to_status, actor=actor)
        except ShopError as error:
            outcomes.append(BulkOutcome(order_id, False, str(error.message)))
        else:
            outcomes.append(BulkOutcome(order_id, True))
    return outcomes
