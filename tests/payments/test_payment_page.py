"""What the shopper's payment page shows, from the database alone: open, paid, expired (a new
QR can be asked for), closed; and which orders get "Pay now"."""

from __future__ import annotations

from shop.orders import services as orders
from shop.payments import services as payments
from shop.payments.services import PageState
from tests.factories import ProductFactory, UserFactory
from tests.payments.helpers import after_expiry, fresh, place_khqr_order


def test_an_open_qr_then_paid(db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    page = payments.payment_page(order)
    assert (page.state, page.attempt.id, page.merchant_name, page.wants_check) == (
        PageState.OPEN, attempt.id, "Skincare Shop", True,
    )  # fmt: skip
    assert page.expires_at == attempt.expires_at and payments.awaits_payment(order)
    assert fake_bakong.asked(attempt.md5) == 0  # reading the page asks nobody
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id)
    order = fresh(type(order), order.id)
    page = payments.payment_page(order)
    assert (page.state, page.wants_check) == (PageState.PAID, False)
    assert not payments.awaits_payment(order)


def test_a_qr_past_its_time_is_expired_before_and_after_the_sweep(db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    late = after_expiry(attempt)
    page = payments.payment_page(order, now=late)
    # not swept yet: the page offers a new QR, and a poll still asks for a check (money may
    # have come in the last seconds; the check also expires it)
    assert (page.state, page.wants_check) == (PageState.EXPIRED, True)
    payments.expire_unpaid(late)
    order = fresh(type(order), order.id)
    page = payments.payment_page(order, now=late)
    assert (page.state, page.wants_check, order.cancel_reason) == (PageState.EXPIRED, False, "payment expired")
    assert payments.awaits_payment(order)


def test_an_order_cancelled_by_the_shopper_or_paid_in_cash_is_closed(db, fake_bakong):
    user = UserFactory()
    order, _attempt = place_khqr_order(user, ProductFactory())
    orders.cancel_order(order.id, user_id=user.id)
    order = fresh(type(order), order.id)
    assert payments.payment_page(order).state == PageState.CLOSED and not payments.awaits_payment(order)
    cash = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(ProductFactory().id, 1)],
            email=user.email,
            user_id=user.id,
            shipping_address={"first_name": "S", "address_line1": "1", "city": "Phnom Penh", "phone": "012 345 678"},
        )
    )
    page = payments.payment_page(cash)
    assert (page.state, page.attempt) == (PageState.CLOSED, None) and not payments.awaits_payment(cash)
