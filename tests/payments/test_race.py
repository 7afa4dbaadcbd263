"""The sweep, the shopper's poll-triggered check and a late payment for the same attempt, at
the same time on PostgreSQL: one payment recorded, stock given back at most once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import sqlalchemy as sa

from shop.orders.models import Order, OrderStatus, OrderStatusEvent, PaymentStatus
from shop.payments import services as payments
from shop.payments.jobs import sweep_payments
from shop.payments.models import PaymentEvent
from tests.factories import ProductFactory, UserFactory
from tests.payments.helpers import after_expiry, fresh, place_khqr_order, stock


def test_sweep_poll_and_late_payment_race(app, db, fake_bakong):
    product = ProductFactory(price=Decimal("10.00"), stock=40)
    placed = [place_khqr_order(UserFactory(), product, 2) for _ in range(6)]
    for _order, attempt in placed:
        fake_bakong.pay(attempt.md5, amount=attempt.amount)  # paid just as the QR expires
    now = after_expiry(placed[-1][1], 5)
    barrier = threading.Barrier(4)

    def run(action):
        with app.app_context():
            barrier.wait()
            action()

    actions = [
        lambda: sweep_payments(now),
        lambda: payments.expire_unpaid(now),
        lambda: payments.check_attempt(placed[0][1].id, now=now),  # the shopper's page polling
        lambda: [payments.check_attempt(a.id, now=now) for _o, a in reversed(placed)],
    ]
    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(run, action) for action in actions]:
            future.result()

    taken = 0
    for order, attempt in placed:
        db.session.expire_all()
        payments_recorded = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(PaymentEvent)
            .where(PaymentEvent.attempt_id == attempt.id, PaymentEvent.kind.in_(("paid", "paid_after_expiry")))
        )
        assert payments_recorded == 1
        cancellations = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderStatusEvent)
            .where(OrderStatusEvent.order_id == order.id, OrderStatusEvent.to_status == "cancelled")
        )
        assert cancellations <= 1  # stock given back at most once
        current = fresh(Order, order.id)
        assert current.payment_status == PaymentStatus.PAID
        assert current.status == OrderStatus.PENDING  # paid: kept, or brought back with its stock
        taken += 2
    assert stock(product.id) == 40 - taken
