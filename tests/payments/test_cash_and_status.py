"""Cash on delivery recorded by staff, and the one rule the order's payment status follows."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.audit.models import AuditLog
from shop.errors import ShopError
from shop.orders import fulfilment
from shop.orders import services as orders
from shop.orders.models import Order, PaymentStatus
from shop.payments import services as payments
from tests.factories import AdminFactory, ProductFactory, UserFactory
from tests.payments.helpers import PHNOM_PENH, fresh, kinds

D = Decimal


def _cod_order(user):
    return orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(ProductFactory(price=D("20.00")).id, 1)],
            email=user.email,
            user_id=user.id,
            shipping_address=PHNOM_PENH,
        )
    )


def test_cash_received_is_an_event_with_who_and_an_audit_entry(db):
    admin = AdminFactory()
    order = _cod_order(UserFactory())
    assert order.total == D("23.50")
    actor = Actor.of(admin, ip_address="127.0.0.1", request_id="req-1")
    event = payments.record_cash_received(order.id, D("10.00"), actor=actor)
    assert (event.kind, event.amount, event.currency, event.actor_id) == ("cash_received", D("10.00"), "USD", admin.id)
    assert fresh(Order, order.id).payment_status == PaymentStatus.PARTIALLY_PAID
    payments.record_cash_received(order.id, D("13.50"), actor=actor)
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    attempt = payments.attempts_of(order.id)[0]
    assert (attempt.provider, attempt.status) == ("cod", "paid")
    assert kinds(attempt.id) == ["created", "cash_received", "cash_received"]
    audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "order.cash_received")).all()
    states = [(a.before["payment_status"], a.before["cash_received"], a.after["cash_received"]) for a in audit]
    assert states == [("pending", "0.00", "10.00"), ("partially_paid", "10.00", "23.50")]
    assert audit[-1].after["payment_status"] == "paid"
    assert audit[0].actor_id == admin.id and audit[0].request_id == "req-1"


def test_more_cash_than_is_due_is_refused_and_nothing_is_written(db):
    order = _cod_order(UserFactory())
    actor = Actor.of(AdminFactory())
    with pytest.raises(ShopError, match="invalid") as refused:
        payments.record_cash_received(order.id, D("23.51"), actor=actor)
    assert refused.value.details == {"available": "23.50"}
    with pytest.raises(ShopError):
        payments.record_cash_received(order.id, D("0"), actor=actor)
    assert payments.attempts_of(order.id) == []
    assert fresh(Order, order.id).payment_status == PaymentStatus.PENDING


def test_cash_is_not_recorded_on_a_khqr_order(db, fake_bakong):
    from tests.payments.helpers import place_khqr_order

    order, _attempt = place_khqr_order(UserFactory(), ProductFactory())
    with pytest.raises(ShopError) as refused:
        payments.record_cash_received(order.id, D("1.00"), actor=Actor.of(AdminFactory()))
    assert refused.value.field == "amount"


def test_payment_status_follows_events_and_refunds_not_a_guess(db):
    admin = AdminFactory()
    order = _cod_order(UserFactory())
    locked = fresh(Order, order.id)
    locked.payment_status = PaymentStatus.PAID  # a guess...
    assert payments.refresh_payment_status(locked) == PaymentStatus.PENDING  # ...is not what happened
    db.session.commit()
    payments.record_cash_received(order.id, D("23.50"), actor=Actor.of(admin))
    fulfilment.refund(order.id, D("5.00"), actor=Actor.of(admin))
    assert payments.refresh_payment_status(fresh(Order, order.id)) == PaymentStatus.PARTIALLY_REFUNDED
    fulfilment.refund(order.id, D("18.50"), actor=Actor.of(admin))
    assert payments.refresh_payment_status(fresh(Order, order.id)) == PaymentStatus.REFUNDED
    assert fresh(Order, order.id).payment_status == PaymentStatus.REFUNDED  # what the refund service set too
