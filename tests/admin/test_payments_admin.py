"""The payment section of the staff order page: attempts and events, mismatches, record cash,
check now against the fake Bakong, the refund flag, the payment filter, audit rows, roles."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.errors import ShopError
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus, PaymentStatus
from shop.payments import jobs
from shop.payments import services as payments
from shop.payments.models import PaymentEvent
from tests.admin.helpers import audit_entries, staff_page_client
from tests.factories import AdminFactory, ModeratorFactory, ProductFactory, UserFactory
from tests.payments.conftest import KHQR_SETTINGS
from tests.payments.helpers import PHNOM_PENH, after_expiry, fresh, kinds, place_khqr_order

D = Decimal


def _cod_order(price: str = "20.00") -> Order:
    user = UserFactory()
    return orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(ProductFactory(price=D(price)).id, 1)],
            email=user.email,
            user_id=user.id,
            shipping_address=PHNOM_PENH,
        )
    )


def _cash(page, order_id: int, **data):
    return page.post(f"/admin/orders/{order_id}/cash", data={"csrf_token": page.csrf, **data})


def test_order_page_lists_attempts_events_and_a_mismatch(admin_page, db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory(price=D("20.00")), currency="KHR")
    fake_bakong.pay(attempt.md5, amount=attempt.amount - 100, currency="KHR")  # 100 riel short
    payments.check_attempt(attempt.id)
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="payment-attempt"' in html and attempt.md5 in html
    assert 'data-kind="created"' in html and 'data-kind="mismatch"' in html
    assert "A payment that does not match this order was reported: it was not counted as paid." in html
    assert "What differs: amount " in html and " instead of " in html
    assert "The provider's answer" in html and "fromAccountId" in html  # the raw answer, collapsible
    assert f"{int(attempt.amount):,}" in html  # whole riel, in its own currency
    assert fresh(Order, order.id).payment_status == PaymentStatus.PENDING  # shown, never paid
    assert "Check now" not in html  # a mismatch is not asked about again


def test_record_cash_received_with_who_and_when_then_audit(admin_page, db, admin):
    order = _cod_order()  # 23.50 with delivery
    assert "Record cash received" in admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    response = _cash(admin_page, order.id, amount="10.00", received_by="Dara (courier)", received_at="2026-12-01T14:30")
    assert response.status_code == 302
    assert fresh(Order, order.id).payment_status == PaymentStatus.PARTIALLY_PAID
    event = db.session.scalars(sa.select(PaymentEvent).where(PaymentEvent.kind == "cash_received")).one()
    assert (event.amount, event.actor_id, event.raw["received_by"]) == (D("10.00"), admin.id, "Dara (courier)")
    assert event.raw["received_at"].startswith("2026-12-01T14:30:00+07:00")  # the shop's time
    assert _cash(admin_page, order.id, amount="13.50").status_code == 302
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    rows = audit_entries(db, "order.cash_received")
    assert [(r.actor_id, r.entity_id, r.after["cash_received"]) for r in rows] == [
        (admin.id, str(order.id), "10.00"),
        (admin.id, str(order.id), "23.50"),
    ]
    page = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert page.count('data-kind="cash_received"') == 2 and "received by Dara (courier)" in page


def test_the_order_page_has_no_payment_status_to_set_by_hand(admin_page, db, fake_bakong):
    """The payment status follows what was recorded: the ways to change it are recording cash,
    "Check now" and refunds; there is no form that sets it."""
    cod = _cod_order()
    khqr_order, _attempt = place_khqr_order(UserFactory(), ProductFactory())
    for order in (cod, khqr_order):
        html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
        assert 'name="payment_status"' not in html and f'action="/admin/orders/{order.id}/payment"' not in html
        assert 'data-testid="payment-status"' in html  # still shown
    assert "Record cash received" in admin_page.get(f"/admin/orders/{cod.id}").get_data(as_text=True)
    assert "Check now" in admin_page.get(f"/admin/orders/{khqr_order.id}").get_data(as_text=True)
    gone = admin_page.post(
        f"/admin/orders/{cod.id}/payment", data={"csrf_token": admin_page.csrf, "payment_status": "paid"}
    )
    assert gone.status_code in (404, 405)
    assert fresh(Order, cod.id).payment_status == PaymentStatus.PENDING


def test_record_cash_refuses_bad_amounts_more_than_due_and_the_future(admin_page, db):
    order = _cod_order()
    for bad in ("abc", "0", "-5", "1.234", "99999999999999999999999999999.99", "10000000000"):
        response = _cash(admin_page, order.id, amount=bad)
        assert response.status_code in (400, 422), bad
        assert "Enter an amount such as 12.50." in response.get_data(as_text=True)
    over = _cash(admin_page, order.id, amount="235.00")
    assert over.status_code == 400
    assert "At most 23.50 is still due on this order." in over.get_data(as_text=True)
    future = _cash(admin_page, order.id, amount="1.00", received_at="2999-01-01T10:00")
    assert "The cash cannot have been received in the future." in future.get_data(as_text=True)
    khmer = admin_page.post(
        f"/admin/orders/{order.id}/cash?lang=km", data={"csrf_token": admin_page.csrf, "amount": "abc"}
    )
    assert khmer.status_code == 422 and 'lang="km"' in khmer.get_data(as_text=True)
    assert "Enter an amount such as 12.50." not in khmer.get_data(as_text=True)  # said in Khmer
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentEvent)) == 0  # nothing half-written
    confirmed = _cash(admin_page, order.id, amount="25.00", confirm_over="y")
    assert confirmed.status_code == 302
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    event = db.session.scalars(sa.select(PaymentEvent).where(PaymentEvent.kind == "cash_received")).one()
    assert event.raw["over_due"] == "1.50" and "more than was due (confirmed)" in event.note


def test_cash_is_only_for_cash_on_delivery_orders(admin_page, db, fake_bakong):
    order, _attempt = place_khqr_order(UserFactory(), ProductFactory())
    assert "Record cash received" not in admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    response = _cash(admin_page, order.id, amount="1.00")
    assert response.status_code == 400
    assert "Cash is recorded on cash on delivery orders only." in response.get_data(as_text=True)


def test_check_now_asks_the_fake_bakong_and_marks_it_paid(admin_page, db, fake_bakong, run_jobs, admin):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Check now" in html
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    check = {"csrf_token": admin_page.csrf, "attempt_id": str(attempt.id)}
    response = admin_page.post(f"/admin/orders/{order.id}/payments/check", data=check, follow_redirects=True)
    assert "The bank is being asked." in response.get_data(as_text=True)
    assert fake_bakong.asked(attempt.md5) == 0  # the page did not wait on Bakong: a job does it
    again = admin_page.post(f"/admin/orders/{order.id}/payments/check", data=check, follow_redirects=True)
    assert "The bank was asked a moment ago." in again.get_data(as_text=True)
    run_jobs()
    assert fake_bakong.asked(attempt.md5) == 1
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    assert kinds(attempt.id) == ["created", "paid"]
    rows = audit_entries(db, "payment.check_requested")
    assert [(r.actor_id, r.entity_type, r.entity_id, r.after["attempt_id"]) for r in rows] == [
        (admin.id, "order", str(order.id), attempt.id),
        (admin.id, "order", str(order.id), attempt.id),
    ]
    page = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "Check now" not in page  # paid: nothing more to ask
    settled = admin_page.post(f"/admin/orders/{order.id}/payments/check", data=check, follow_redirects=True)
    assert "Nothing more can happen to this payment" in settled.get_data(as_text=True)


def test_check_now_refuses_an_attempt_of_another_order(admin_page, db, fake_bakong):
    order, _attempt = place_khqr_order(UserFactory(), ProductFactory())
    _other, other_attempt = place_khqr_order(UserFactory(), ProductFactory())
    response = admin_page.post(
        f"/admin/orders/{order.id}/payments/check",
        data={"csrf_token": admin_page.csrf, "attempt_id": str(other_attempt.id)},
        follow_redirects=True,
    )
    assert "Choose a payment to check." in response.get_data(as_text=True)
    assert audit_entries(db, "payment.check_requested") == []


def test_paid_after_expiry_without_stock_is_flagged_on_the_page_and_dashboard(admin_page, db, fake_bakong):
    product = ProductFactory(stock=1)
    order, attempt = place_khqr_order(UserFactory(), product)
    assert "No order needs a refund." in admin_page.get("/admin/").get_data(as_text=True)
    payments.expire_unpaid(after_expiry(attempt))
    place_khqr_order(UserFactory(), product)  # the last unit goes to someone else
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id, now=after_expiry(attempt, 60))
    html = admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="needs-refund"' in html and 'data-kind="refund_needed"' in html
    dashboard = admin_page.get("/admin/").get_data(as_text=True)
    assert "Orders needing a refund" in dashboard and order.order_number in dashboard
    refund = {"csrf_token": admin_page.csrf, "amount": f"{order.total:.2f}", "reason": "paid after expiry"}
    assert admin_page.post(f"/admin/orders/{order.id}/refund", data=refund).status_code == 302
    assert 'data-testid="needs-refund"' not in admin_page.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "No order needs a refund." in admin_page.get("/admin/").get_data(as_text=True)


def test_order_list_filters_by_payment_status_with_htmx(admin_page, db):
    paid, pending = _cod_order(), _cod_order()
    payments.record_cash_received(paid.id, paid.total, actor=Actor.of(AdminFactory()))
    full = admin_page.get("/admin/orders?payment_status=paid")
    html = full.get_data(as_text=True)
    assert paid.order_number in html and pending.order_number not in html and 'hx-get="/admin/orders"' in html
    fragment = admin_page.get("/admin/orders?payment_status=pending", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert body.lstrip().startswith('<div id="order-results"') and "<html" not in body
    assert pending.order_number in body and paid.order_number not in body
    bad = admin_page.get("/admin/orders?payment_status=stolen", headers={"HX-Request": "true"})
    assert bad.status_code == 422 and 'id="order-results"' in bad.get_data(as_text=True)


def test_a_moderator_can_neither_record_cash_nor_check(client, db, fake_bakong):
    order = _cod_order()
    khqr_order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    page = staff_page_client(client, ModeratorFactory())
    assert page.get(f"/admin/orders/{order.id}").status_code == 403
    assert page.post(f"/admin/orders/{order.id}/cash", data={"amount": "1.00"}).status_code in (400, 403)
    response = page.post(f"/admin/orders/{khqr_order.id}/payments/check", data={"attempt_id": str(attempt.id)})
    assert response.status_code in (400, 403)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentEvent).where(
        PaymentEvent.kind == "cash_received")) == 0  # fmt: skip
    assert audit_entries(db, "payment.check_requested") == []


def test_two_staff_recording_the_whole_cash_at_once_record_it_once(app, db):
    order = _cod_order()
    staff = [Actor.of(AdminFactory()), Actor.of(AdminFactory())]
    barrier = threading.Barrier(2)

    def record(actor):
        with app.app_context():
            barrier.wait()
            try:
                payments.record_cash_received(order.id, D("23.50"), actor=actor)
                return "recorded"
            except ShopError as error:
                return str(error.message)

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(record, staff))
    assert outcomes == ["At most 0.00 is still due on this order.", "recorded"]
    db.session.expire_all()
    cash = db.session.scalars(sa.select(PaymentEvent.amount).where(PaymentEvent.kind == "cash_received")).all()
    assert cash == [D("23.50")]
    assert fresh(Order, order.id).status == OrderStatus.PENDING
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID


@pytest.mark.parametrize("field", ["received_by"])
def test_received_by_is_at_most_100_characters(admin_page, db, field):
    order = _cod_order()
    response = _cash(admin_page, order.id, amount="1.00", **{field: "x" * 101})
    assert response.status_code == 422


def test_check_now_without_redis_runs_on_the_background_pool(make_app, database_url, db, fake_bakong):
    """The embedded default (no Redis): "check now" answers at once and a pool thread asks the
    fake Bakong, as the payment page's checks do."""
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    fake_bakong.delay = 0.5  # a slow bank: the call below must not wait for it
    admin_id = AdminFactory().id
    attempt_id = attempt.id
    embedded = make_app(
        SQLALCHEMY_DATABASE_URI=database_url, BAKONG_API_URL=fake_bakong.url, BAKONG_TOKEN=fake_bakong.token,
        **KHQR_SETTINGS,
    )  # fmt: skip
    assert not embedded.config.get("REDIS_URL")
    with embedded.app_context():
        started = time.monotonic()
        assert jobs.check_now(attempt_id, actor=Actor(admin_id, "boss@example.com")) is True
        assert time.monotonic() - started < 0.4
    deadline = time.monotonic() + 10
    while fresh(Order, order.id).payment_status != PaymentStatus.PAID and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    assert audit_entries(db, "payment.check_requested")[0].actor_id == admin_id
