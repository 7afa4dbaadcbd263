"""Checking KHQR payments against the fake Bakong: what counts as paid, and every failure,
each leaving the order and its stock as they were and saying what happened."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.orders.models import Order, OrderStatus, PaymentStatus
from shop.payments import khqr
from shop.payments import services as payments
from shop.payments.models import PaymentAttempt
from tests.factories import ProductFactory, UserFactory
from tests.payments.helpers import fresh, kinds, place_khqr_order, stock

D = Decimal


def test_a_khqr_order_has_its_qr_and_waits_for_the_money(db, fake_bakong, run_jobs, smtp_server):
    product = ProductFactory(price=D("19.99"), stock=5)
    order, attempt = place_khqr_order(UserFactory(), product, 2)
    assert order.total == D("45.48")
    decoded = khqr.decode(attempt.qr_string)
    assert (decoded.account_id, decoded.currency, decoded.amount) == ("shop@aclb", "USD", D("45.48"))
    assert decoded.bill_number == order.order_number
    assert (decoded.created_at, decoded.expires_at) == (attempt.created_at, attempt.expires_at)
    assert (attempt.expires_at - attempt.created_at).total_seconds() == 15 * 60
    assert attempt.md5 == khqr.md5_of(attempt.qr_string)
    assert (order.payment_currency, order.payment_amount) == ("USD", D("45.48"))
    assert kinds(attempt.id) == ["created"]
    assert stock(product.id) == 3  # taken at once: the QR holds the stock for 15 minutes
    assert run_jobs() == 1  # the deeplink job alone: no confirmation email before the money
    assert smtp_server.messages == []


def test_riel_is_charged_in_whole_hundreds_of_riel(db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory(price=D("19.99")), 1, currency="KHR")
    assert order.total == D("23.49")  # 19.99 + 1.50 delivery + 2.00 VAT
    assert (attempt.currency, attempt.amount) == ("KHR", D("96300"))  # 23.49 x 4100 = 96,309 -> 96,300
    assert khqr.decode(attempt.qr_string).fields["54"] == "96300"


def test_paid_with_the_right_amount_currency_and_account_is_paid(db, fake_bakong, run_jobs, smtp_server):
    product = ProductFactory(stock=5)
    order, attempt = place_khqr_order(UserFactory(), product)
    fake_bakong.pay(attempt.md5, amount=attempt.amount, currency="USD", to_account="shop@aclb")
    assert payments.check_attempt(attempt.id).outcome.value == "paid"
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.next_check_at, attempt.check_count) == ("paid", None, 1)
    assert attempt.paid_at is not None
    assert kinds(attempt.id) == ["created", "paid"]
    order = fresh(Order, order.id)
    assert (order.status, order.payment_status) == (OrderStatus.PENDING, PaymentStatus.PAID)
    assert stock(product.id) == 4
    assert run_jobs() == 2  # now the confirmation email (and the QR's deeplink job)
    assert smtp_server.messages[0]["Subject"] == f"Your order {order.order_number}"


def test_paid_in_riel(db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory(), currency="KHR")
    fake_bakong.pay(attempt.md5, amount=attempt.amount, currency="KHR")
    payments.check_attempt(attempt.id)
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID


def test_paid_twice_is_paid_once(db, fake_bakong, run_jobs, smtp_server):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id)
    payments.record_check(attempt.id, payments.provider_for("khqr").check(fresh(PaymentAttempt, attempt.id)))
    assert payments.check_attempt(attempt.id) is None  # settled: Bakong is not asked again
    assert kinds(attempt.id) == ["created", "paid"]
    assert fake_bakong.asked(attempt.md5) == 2
    assert run_jobs() == 2  # one confirmation email, and the QR's deeplink job
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize(
    ("paid", "problem"),
    [
        ({"amount": "1.00"}, "amount 1.0 instead of 15.25"),
        ({"to_account": "someone@wing"}, "to account 'someone@wing' instead of 'shop@aclb'"),
        ({"currency": "KHR"}, "currency 'KHR' instead of 'USD'"),
    ],
)
def test_money_that_does_not_match_is_shown_to_staff_never_paid(db, fake_bakong, run_jobs, paid, problem):
    product = ProductFactory(stock=5)
    order, attempt = place_khqr_order(UserFactory(), product)
    details = {"amount": attempt.amount, "currency": "USD", "to_account": "shop@aclb", **paid}
    fake_bakong.pay(attempt.md5, **details)
    payments.check_attempt(attempt.id)
    payments.record_check(attempt.id, payments.provider_for("khqr").check(fresh(PaymentAttempt, attempt.id)))
    attempt = fresh(PaymentAttempt, attempt.id)
    assert attempt.status == "open"
    assert attempt.next_check_at is None  # this QR's answer will not change
    assert kinds(attempt.id) == ["created", "mismatch"]  # once, however often it is seen
    mismatch = next(e for e in attempt.events if e.kind == "mismatch")
    assert problem in mismatch.note
    assert mismatch.raw["data"]["toAccountId"] == details["to_account"]
    order = fresh(Order, order.id)
    assert (order.status, order.payment_status) == (OrderStatus.PENDING, PaymentStatus.PENDING)
    assert stock(product.id) == 4
    assert run_jobs() == 1  # the QR's deeplink job: no email


@pytest.mark.parametrize(
    ("kind", "outcome", "note"),
    [
        ("not_found", "not_found", "not_found: Transaction could not be found. Please check and try again."),
        ("http_403", "unavailable", "unavailable: HTTP 403"),
        ("http_500", "unavailable", "unavailable: HTTP 500"),
        ("timeout", "unavailable", "unavailable: timeout"),
        ("bad_json", "unavailable", "unavailable: the answer is not JSON"),
        ("token_expired", "unauthorized", "unauthorized: Unauthorized, not yet requested for token or code invalid"),
    ],
)
def test_no_answer_leaves_the_order_as_it_was_and_says_what_happened(db, fake_bakong, kind, outcome, note):
    product = ProductFactory(stock=5)
    order, attempt = place_khqr_order(UserFactory(), product)
    fake_bakong.answer(attempt.md5, kind)
    before = attempt.next_check_at
    assert payments.check_attempt(attempt.id).outcome.value == outcome
    payments.check_attempt(attempt.id)  # the same answer again is not a new event
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.last_outcome, attempt.check_count) == ("open", outcome, 2)
    assert attempt.next_check_at > before  # asked again later (backoff)
    events = fresh(PaymentAttempt, attempt.id).events
    assert [(e.kind, e.note) for e in events] == [("created", None), ("checked", note)]
    order = fresh(Order, order.id)
    assert (order.status, order.payment_status) == (OrderStatus.PENDING, PaymentStatus.PENDING)
    assert stock(product.id) == 4


def test_a_failed_payment_marks_the_order_failed_until_a_new_qr(db, fake_bakong):
    product = ProductFactory(stock=5)
    order, attempt = place_khqr_order(UserFactory(), product)
    fake_bakong.answer(attempt.md5, "failed")
    payments.check_attempt(attempt.id)
    attempt = fresh(PaymentAttempt, attempt.id)
    assert (attempt.status, attempt.next_check_at) == ("failed", None)
    assert kinds(attempt.id) == ["created", "failed"]
    assert fresh(Order, order.id).payment_status == PaymentStatus.FAILED
    renewed = payments.renew_payment(order.id)
    assert renewed.id != attempt.id and renewed.md5 != attempt.md5
    assert fresh(Order, order.id).payment_status == PaymentStatus.PENDING
    assert stock(product.id) == 4  # the order kept its stock all along


def test_khqr_is_refused_when_the_shop_has_no_account(db, app):
    from shop.errors import ShopError
    from shop.orders import services as orders

    assert "khqr" not in orders.offered_payment_methods()
    product = ProductFactory(stock=5)
    with pytest.raises(ShopError) as refused:
        place_khqr_order(UserFactory(), product)
    assert refused.value.field == "payment_method"
    assert stock(product.id) == 5


def test_a_bad_currency_writes_nothing(db, fake_bakong):
    from shop.errors import ShopError

    product = ProductFactory(stock=5)
    with pytest.raises(ShopError, match="currency|invalid") as refused:
        place_khqr_order(UserFactory(), product, currency="EUR")
    assert refused.value.field == "currency"
    assert stock(product.id) == 5
    assert db.session.query(Order).count() == 0
