"""Unpaid KHQR orders expire (stock and coupon use back, once); late money is never lost
(restored when the stock is there, else flagged for refund); a new QR for an expired order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.coupons.models import Coupon, CouponType, CouponUsage
from shop.orders.models import Order, OrderStatus, PaymentStatus
from shop.orders.services import OutOfStock
from shop.payments import services as payments
from shop.payments.jobs import sweep_payments
from shop.payments.models import PaymentAttempt
from tests.factories import CouponFactory, ProductFactory, UserFactory
from tests.payments.helpers import after_expiry, fresh, kinds, place_khqr_order, stock

D = Decimal


def _used(code: str) -> int:
    return sa.select(Coupon.used_count).where(Coupon.code == code)


def test_an_unpaid_order_expires_with_stock_and_coupon_back_once(db, fake_bakong):
    product = ProductFactory(price=D("20.00"), stock=3)
    CouponFactory(code="SAVE10", type=CouponType.PERCENTAGE, value=D("10"), usage_limit=5)
    order, attempt = place_khqr_order(UserFactory(), product, 2, coupon_code="SAVE10")
    assert stock(product.id) == 1 and db.session.scalar(_used("SAVE10")) == 1
    assert payments.expire_unpaid(attempt.expires_at - timedelta(seconds=1)) == 0  # not yet
    assert payments.expire_unpaid(after_expiry(attempt)) == 1
    assert payments.expire_unpaid(after_expiry(attempt, 60)) == 0  # once
    order = fresh(Order, order.id)
    assert (order.status, order.cancel_reason, order.payment_status) == (
        OrderStatus.CANCELLED,
        "payment expired",
        PaymentStatus.PENDING,
    )
    assert [e.to_status for e in order.events][-1] == "cancelled"
    assert stock(product.id) == 3
    assert db.session.scalar(_used("SAVE10")) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CouponUsage)) == 0
    attempt = fresh(PaymentAttempt, attempt.id)
    assert attempt.status == "expired" and attempt.next_check_at is not None  # late money is looked for
    assert kinds(attempt.id) == ["created", "expired"]


def test_the_sweep_checks_then_expires(db, fake_bakong):
    product = ProductFactory(stock=3)
    paid_order, paid = place_khqr_order(UserFactory(), product)
    unpaid_order, unpaid = place_khqr_order(UserFactory(), product)
    fake_bakong.pay(paid.md5, amount=paid.amount)
    report = sweep_payments(after_expiry(unpaid))
    assert (report.checked, report.failed) == (2, 0)
    assert fresh(Order, paid_order.id).payment_status == PaymentStatus.PAID
    assert fresh(Order, paid_order.id).status == OrderStatus.PENDING
    assert fresh(Order, unpaid_order.id).status == OrderStatus.CANCELLED
    assert stock(product.id) == 2


def test_money_after_expiry_restores_the_order_when_the_stock_is_there(db, fake_bakong, run_jobs, smtp_server):
    product = ProductFactory(price=D("20.00"), stock=3)
    CouponFactory(code="SAVE10", type=CouponType.PERCENTAGE, value=D("10"), usage_limit=5)
    order, attempt = place_khqr_order(UserFactory(), product, 2, coupon_code="SAVE10")
    payments.expire_unpaid(after_expiry(attempt))
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id, now=after_expiry(attempt, 120))
    order = fresh(Order, order.id)
    assert (order.status, order.payment_status, order.cancel_reason) == (OrderStatus.PENDING, PaymentStatus.PAID, None)
    assert kinds(attempt.id) == ["created", "expired", "paid_after_expiry", "restored"]
    assert stock(product.id) == 1  # taken again
    assert db.session.scalar(_used("SAVE10")) == 1
    assert not payments.needs_refund(order)
    assert run_jobs() == 2  # the confirmation email, now that it is paid (and the QR's deeplink job)


def test_money_after_expiry_without_stock_is_flagged_for_refund(db, fake_bakong):
    product = ProductFactory(stock=2)
    order, attempt = place_khqr_order(UserFactory(), product, 2)
    payments.expire_unpaid(after_expiry(attempt))
    place_khqr_order(UserFactory(), product, 1)  # someone else buys one meanwhile
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id, now=after_expiry(attempt, 120))
    order = fresh(Order, order.id)
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.PAID)
    assert kinds(attempt.id) == ["created", "expired", "paid_after_expiry", "refund_needed"]
    assert stock(product.id) == 1  # untouched: nothing half taken
    assert payments.needs_refund(order)
    assert [o.id for o in payments.orders_needing_refund()] == [order.id]


def test_a_new_qr_for_an_expired_order_takes_the_stock_again(db, fake_bakong):
    product = ProductFactory(stock=3)
    user = UserFactory()
    order, attempt = place_khqr_order(user, product, 2, currency="KHR")
    payments.expire_unpaid(after_expiry(attempt))
    assert stock(product.id) == 3
    renewed = payments.renew_payment(order.id, user_id=user.id, now=after_expiry(attempt, 60))
    assert renewed.id != attempt.id and renewed.currency == "KHR"
    assert renewed.expires_at == renewed.created_at + timedelta(minutes=15)
    assert stock(product.id) == 1
    order = fresh(Order, order.id)
    assert (order.status, order.cancel_reason) == (OrderStatus.PENDING, None)
    assert [e.to_status for e in order.events][-2:] == ["cancelled", "pending"]
    # the same again while the new QR can be paid: the same QR
    assert payments.renew_payment(order.id, now=after_expiry(attempt, 61)).id == renewed.id


def test_no_new_qr_when_the_stock_is_gone(db, fake_bakong):
    product = ProductFactory(stock=2)
    order, attempt = place_khqr_order(UserFactory(), product, 2)
    payments.expire_unpaid(after_expiry(attempt))
    place_khqr_order(UserFactory(), product, 1)
    with pytest.raises(OutOfStock):
        payments.renew_payment(order.id, now=after_expiry(attempt, 60))
    assert fresh(Order, order.id).status == OrderStatus.CANCELLED
    assert stock(product.id) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentAttempt)) == 2


def test_late_money_for_the_old_qr_after_the_new_one_was_paid_is_a_refund(db, fake_bakong):
    product = ProductFactory(stock=3)
    order, old = place_khqr_order(UserFactory(), product)
    payments.expire_unpaid(after_expiry(old))
    new = payments.renew_payment(order.id, now=after_expiry(old, 10))
    fake_bakong.pay(new.md5, amount=new.amount)
    payments.check_attempt(new.id, now=after_expiry(old, 20))
    fake_bakong.pay(old.md5, amount=old.amount)
    payments.check_attempt(old.id, now=after_expiry(old, 30))
    assert kinds(old.id)[-2:] == ["paid_after_expiry", "refund_needed"]
    order = fresh(Order, order.id)
    assert (order.status, order.payment_status) == (OrderStatus.PENDING, PaymentStatus.PAID)
    assert payments.needs_refund(order)
    assert stock(product.id) == 2


def test_late_checks_stop_after_the_late_window(db, fake_bakong, app):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    payments.expire_unpaid(after_expiry(attempt))
    later = attempt.expires_at + timedelta(hours=app.config["PAYMENT_LATE_CHECK_HOURS"], seconds=1)
    payments.check_attempt(attempt.id, now=later)
    assert fresh(PaymentAttempt, attempt.id).next_check_at is None
    assert payments.check_attempt(attempt.id, now=later) is None
