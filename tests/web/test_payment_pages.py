"""The KHQR payment page: checkout in dollars or riel, the QR page, the poll that turns to
"Paid", a new QR for an expired order, the order pages' "Pay now", guests, Khmer. Real
PostgreSQL, Redis and RQ; Bakong is a fake that is a real HTTP server."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product
from shop.jobs import get_queue
from shop.orders.models import Order, OrderStatus, PaymentStatus
from shop.payments import services as payments
from storefront.payment_views import qr_svg
from tests.factories import AddressFactory, ProductFactory, UserFactory
from tests.payments.helpers import after_expiry, fresh, place_khqr_order, stock
from tests.support.fake_bakong import FakeBakong, khqr_switched_on
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import HX, add, by_id, post
from tests.web.test_checkout_pages import place, place_form

D = Decimal
PHNOM_PENH = ZoneInfo("Asia/Phnom_Penh")


@pytest.fixture
def fake_bakong(app, db) -> Iterator[FakeBakong]:
    with khqr_switched_on(app) as fake:
        yield fake


@pytest.fixture
def shopper(client, db, fake_bakong):
    """A signed-in shopper with a Phnom Penh address and 2 × $12.50 in the cart ($29.00 with
    delivery and VAT: 118,900 riel at 4,100)."""
    user = UserFactory(first_name="Sokha", last_name="Chan")
    home = AddressFactory(user=user, is_default=True, city="Phnom Penh")
    product = ProductFactory(name_en="Rice Water Toner", price=D("12.50"), stock=5)
    sign_in(client, user.email)
    add(client, product, 2)
    return user, home, product


def poll(client, url: str, attempt_id: int, *, link: bool = True):
    """The panel's poll; `link=False` as a page that has no "Open in my bank app" link yet."""
    return client.get(f"{url}/status?attempt={attempt_id}{'' if link else '&link=0'}", headers=HX)


def queued() -> int:
    """Check jobs waiting (each new QR also queues its deeplink job, counted apart)."""
    queue = get_queue()
    assert queue is not None
    return sum(1 for job in queue.jobs if job.func_name == "shop.payments.jobs.check_payment")


def the_order(db) -> Order:
    db.session.expire_all()
    return db.session.scalar(sa.select(Order))


# ---------------------------------------------------------------- checkout


def test_checkout_offers_khqr_in_riel_and_places_the_order_on_its_payment_page(client, db, shopper):
    _user, home, _product = shopper
    step1 = client.get("/checkout")
    assert 'id="payment-khqr" value="khqr"' in step1.text
    assert 'id="currency-USD" value="USD" checked' in step1.text and 'id="currency-KHR" value="KHR"' in step1.text
    review = post(
        client,
        "/checkout/review",
        {"address_id": str(home.id), "shipping_method": "standard", "payment_method": "khqr", "currency": "KHR"},
    )
    assert review.status_code == 200, review.text
    assert by_id(review.text, "review-khqr-amount") == "៛118,900"
    fields = place_form(review)
    assert (fields["payment_method"], fields["currency"]) == ("khqr", "KHR")

    placed = place(client, fields)
    order = the_order(db)
    assert (placed.status_code, placed.headers["Location"]) == (303, f"/orders/{order.id}/payment")
    assert (order.payment_method, order.payment_currency, order.payment_amount) == ("khqr", "KHR", D("118900"))
    attempt = payments.current_attempt(order.id)
    assert (attempt.currency, attempt.amount, attempt.status) == ("KHR", D("118900"), "open")

    page = client.get(placed.headers["Location"])
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert by_id(page.text, "payment-amount") == "៛118,900"
    assert by_id(page.text, "payment-merchant") == "Skincare Shop"
    assert str(qr_svg(attempt.qr_string)) in page.text  # the QR of the attempt's exact KHQR string
    local = attempt.expires_at.astimezone(PHNOM_PENH).strftime("%H:%M")
    assert by_id(page.text, "payment-expires") == f"Expires at {local}"
    panel = re.search(r'<section id="payment-panel"[^>]*>', page.text).group(0)
    assert f'hx-get="/orders/{order.id}/payment/status?attempt={attempt.id}&amp;link=0"' in panel  # no link yet
    assert 'hx-trigger="every 3s"' in panel
    assert '<script src="/static/' in page.text and "js/payment" in page.text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) is None  # no inline script (CSP)


def test_a_cash_order_is_unchanged_and_has_no_payment_page(client, db, shopper):
    _user, home, _product = shopper
    review = post(
        client, "/checkout/review", {"address_id": str(home.id), "shipping_method": "standard", "payment_method": "cod"}
    )
    assert 'id="review-khqr-amount"' not in review.text
    placed = place(client, place_form(review))
    order = the_order(db)
    assert placed.headers["Location"] == f"/orders/{order.id}?placed=1"
    assert order.payment_currency is None and payments.current_attempt(order.id) is None
    assert client.get(f"/orders/{order.id}/payment").status_code == 404
    assert 'id="pay-now"' not in client.get(f"/orders/{order.id}").text


def test_without_a_khqr_account_checkout_does_not_offer_it(client, db, app):
    user = UserFactory()
    home = AddressFactory(user=user, is_default=True, city="Phnom Penh")
    sign_in(client, user.email)
    add(client, ProductFactory(stock=5), 1)
    assert app.config.get("KHQR_ACCOUNT_ID") in (None, "")
    assert 'value="khqr"' not in client.get("/checkout").text
    review = post(
        client,
        "/checkout/review",
        {"address_id": str(home.id), "shipping_method": "standard", "payment_method": "khqr"},
    )
    assert review.status_code == 422
    assert "Choose a payment method." in review.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_khqr_checkout_needs_a_currency_it_knows(client, db, shopper):
    _user, home, _product = shopper
    data = {"address_id": str(home.id), "shipping_method": "standard", "payment_method": "khqr", "currency": "EUR"}
    review = post(client, "/checkout/review", data)
    assert review.status_code == 422
    assert by_id(review.text, "currency-error") == "Choose US dollars or riel."


# ---------------------------------------------------------------- polling


def test_the_poll_reads_the_database_and_turns_to_paid_once_the_check_has_run(
    client, db, shopper, fake_bakong, run_jobs, smtp_server, redis_client
):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product, 2)
    url = f"/orders/{order.id}/payment"
    assert client.get(url).status_code == 200

    waiting = poll(client, url, attempt.id)
    assert (waiting.status_code, waiting.text) == (204, "")  # nothing to swap: htmx keeps polling
    assert fake_bakong.asked(attempt.md5) == 0  # the request never asks Bakong...
    assert queued() == 1  # ...it asks for a check job
    assert poll(client, url, attempt.id).status_code == 204
    assert queued() == 1  # throttled: one check however often the page polls
    run_jobs()
    assert fake_bakong.asked(attempt.md5) == 1
    assert fresh(Order, order.id).payment_status == PaymentStatus.PENDING  # not paid yet

    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    redis_client.delete(f"payment-check:{attempt.id}")  # as if the 3 s throttle had passed
    assert poll(client, url, attempt.id).status_code == 204  # recorded only once the check runs
    run_jobs()  # the check, and the confirmation email it queued
    paid = poll(client, url, attempt.id)
    assert paid.status_code == 200
    assert "Paid, thank you!" in paid.text
    assert paid.text.lstrip().startswith('<section id="payment-panel"')
    assert "hx-trigger" not in paid.text  # the panel that replaces the QR stops polling
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    (mail,) = smtp_server.messages
    assert mail["Subject"] == f"Your order {order.order_number}"
    assert "We received your KHQR payment of $29.00." in mail.get_body(("plain",)).get_content()
    assert "Paid, thank you!" in client.get(url).text
    assert poll(client, url, attempt.id).status_code == 200
    assert queued() == 0  # a paid order asks for no more checks


def test_a_slow_bakong_does_not_slow_the_poll(client, db, shopper, fake_bakong):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product)
    fake_bakong.delay = 3.0  # longer than the client waits: a check would be a timeout
    started = time.monotonic()
    answer = poll(client, f"/orders/{order.id}/payment", attempt.id)
    assert answer.status_code == 204 and time.monotonic() - started < 1.0
    assert queued() == 1 and fake_bakong.asked(attempt.md5) == 0


def test_an_order_cancelled_by_the_shopper_has_nothing_to_pay(client, db, shopper):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product)
    cancelled = post(client, f"/orders/{order.id}/cancel", form_url=f"/orders/{order.id}/cancel")
    assert cancelled.status_code == 303
    url = f"/orders/{order.id}/payment"
    page = client.get(url)
    assert by_id(page.text, "payment-closed").startswith("This order can no longer be paid by KHQR.")
    assert 'id="payment-qr"' not in page.text and 'id="payment-renew"' not in page.text
    assert 'id="pay-now"' not in client.get(f"/orders/{order.id}").text
    refused = post(client, f"{url}/renew", {"currency": "USD"}, form_url=url)
    assert refused.status_code == 409 and by_id(refused.text, "payment-error") == "This order was cancelled."
    assert payments.current_attempt(order.id).id == attempt.id
    assert client.get(f"{url}/qr.png").status_code == 404


def test_a_plain_get_of_the_poll_goes_to_the_page(client, db, shopper):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product)
    answer = client.get(f"/orders/{order.id}/payment/status?attempt={attempt.id}")
    assert (answer.status_code, answer.headers["Location"]) == (303, f"/orders/{order.id}/payment")


def test_the_qr_can_be_saved_as_a_picture_while_it_is_open(client, db, shopper):
    user, _home, product = shopper
    order, _attempt = place_khqr_order(user, product)
    picture = client.get(f"/orders/{order.id}/payment/qr.png")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.headers["Content-Disposition"] == f'attachment; filename="khqr-{order.order_number}.png"'


# ---------------------------------------------------------------- "Open in my bank app"


def test_the_page_offers_open_in_my_bank_app_once_bakong_made_the_link(client, db, shopper, fake_bakong, run_jobs):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product)
    url = f"/orders/{order.id}/payment"
    before = client.get(url).text
    assert 'id="payment-open-app"' not in before and 'id="payment-save-qr"' in before
    assert poll(client, url, attempt.id, link=False).status_code == 204  # no link yet: nothing to swap

    run_jobs()  # the deeplink job
    link = fake_bakong.link_for(attempt.qr_string)
    arrived = poll(client, url, attempt.id, link=False)
    assert arrived.status_code == 200 and arrived.text.lstrip().startswith('<section id="payment-panel"')
    assert f'<a class="btn btn-primary" id="payment-open-app" href="{link}" rel="noopener noreferrer">' in arrived.text
    assert 'id="payment-save-qr"' in arrived.text and str(qr_svg(attempt.qr_string)) in arrived.text
    assert f'hx-get="{url}/status?attempt={attempt.id}" hx-trigger="every 3s"' in arrived.text  # no more link=0
    assert poll(client, url, attempt.id).status_code == 204  # the page has the link: nothing to swap

    page = client.get(url).text
    assert by_id(page, "payment-open-app") == "Open in my bank app"
    assert page.index('id="payment-open-app"') < page.index('id="payment-qr"')  # first on a phone (CSS: last when wide)
    assert "If the button above does not open your bank app, save the QR instead." in page
    khmer = client.get(f"{url}?lang=km").text
    assert by_id(khmer, "payment-open-app") == "បើកក្នុងកម្មវិធីធនាគាររបស់ខ្ញុំ"


def test_without_a_link_the_page_still_offers_the_saved_qr(client, db, shopper, fake_bakong, run_jobs):
    user, _home, product = shopper
    fake_bakong.link_answers = ["token_expired"]  # Bakong refuses: no link, for good
    order, attempt = place_khqr_order(user, product)
    run_jobs()
    url = f"/orders/{order.id}/payment"
    page = client.get(url)
    assert page.status_code == 200 and 'id="payment-open-app"' not in page.text
    assert 'id="payment-save-qr"' in page.text and by_id(page.text, "payment-amount") == f"${order.total}"
    assert poll(client, url, attempt.id, link=False).status_code == 204  # polls on for the payment
    assert client.get(f"{url}/qr.png").status_code == 200


def test_a_paid_page_shows_no_link(client, db, shopper, fake_bakong, run_jobs):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product)
    run_jobs()
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id)
    page = client.get(f"/orders/{order.id}/payment").text
    assert "Paid, thank you!" in page and 'id="payment-open-app"' not in page


# ---------------------------------------------------------------- a new QR


def test_an_expired_order_gets_a_new_qr_and_its_stock_back(client, db, shopper, fake_bakong):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product, 2)
    assert stock(product.id) == 3
    assert payments.expire_unpaid(after_expiry(attempt)) == 1
    assert stock(product.id) == 5 and fresh(Order, order.id).status == OrderStatus.CANCELLED
    url = f"/orders/{order.id}/payment"

    expired = poll(client, url, attempt.id)
    assert expired.status_code == 200 and 'id="payment-expired"' in expired.text
    page = client.get(url)
    assert 'id="payment-renew"' in page.text and 'id="payment-qr"' not in page.text
    assert f'href="/orders/{order.id}/payment"' in client.get(f"/orders/{order.id}").text  # "Pay now"

    renewed = post(client, f"{url}/renew", {"currency": "KHR"}, form_url=url)
    assert (renewed.status_code, renewed.headers["Location"]) == (303, url)
    new = payments.current_attempt(order.id)
    assert new.id != attempt.id and (new.currency, new.amount, new.status) == ("KHR", D("118900"), "open")
    assert fresh(Order, order.id).status == OrderStatus.PENDING
    assert stock(product.id) == 3  # taken again
    page = client.get(url)
    assert by_id(page.text, "payment-amount") == "៛118,900"
    assert f"?attempt={new.id}" in page.text


def test_a_new_qr_is_refused_when_the_stock_is_gone(client, db, shopper):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product, 2)
    payments.expire_unpaid(after_expiry(attempt))
    db.session.execute(sa.update(Product).where(Product.id == product.id).values(stock=1))  # sold meanwhile
    db.session.commit()
    url = f"/orders/{order.id}/payment"
    refused = post(client, f"{url}/renew", {"currency": "USD"}, form_url=url)
    assert refused.status_code == 409
    assert 'id="payment-error"' in refused.text and "Rice Water Toner" in by_id(refused.text, "payment-error")
    assert payments.current_attempt(order.id).id == attempt.id  # nothing written
    assert fresh(Order, order.id).status == OrderStatus.CANCELLED and stock(product.id) == 1


def test_a_new_qr_needs_a_currency_it_knows(client, db, shopper):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product)
    payments.expire_unpaid(after_expiry(attempt))
    url = f"/orders/{order.id}/payment"
    refused = post(client, f"{url}/renew", {"currency": "THB"}, form_url=url)
    assert refused.status_code == 422 and by_id(refused.text, "currency-error") == "Choose US dollars or riel."
    assert payments.current_attempt(order.id).id == attempt.id


# ---------------------------------------------------------------- who may see it


def test_another_shoppers_payment_pages_are_404(client, db, fake_bakong):
    owner = UserFactory()
    order, attempt = place_khqr_order(owner, ProductFactory())
    sign_in(client, UserFactory().email)
    url = f"/orders/{order.id}/payment"
    assert client.get(url).status_code == 404
    assert poll(client, url, attempt.id).status_code == 404
    assert client.get(f"{url}/qr.png").status_code == 404
    assert post(client, f"{url}/renew", {"currency": "USD"}, form_url="/cart").status_code == 404
    assert queued() == 0  # no check asked for someone else's order


def test_a_visitor_is_sent_to_sign_in(client, db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    answer = client.get(f"/orders/{order.id}/payment")
    assert answer.status_code == 302 and "/account/login" in answer.headers["Location"]
    # signed out while the page polls: HTMX is sent to sign-in (and back), nothing swapped in
    polled = poll(client, f"/orders/{order.id}/payment", attempt.id)
    assert (polled.status_code, polled.text) == (200, "")
    assert polled.headers["HX-Redirect"] == f"/account/login?next=/orders/{order.id}/payment"
    assert queued() == 0


# ---------------------------------------------------------------- order pages


def test_the_order_pages_show_the_payment_status_and_pay_now(client, db, shopper, fake_bakong, run_jobs):
    user, _home, product = shopper
    order, attempt = place_khqr_order(user, product)
    detail = client.get(f"/orders/{order.id}")
    assert by_id(detail.text, "order-payment-status") == "payment pending"
    assert f'id="pay-now" href="/orders/{order.id}/payment"' in detail.text
    history = client.get("/orders")
    row = re.search(rf'<tr id="order-{order.id}">(.*?)</tr>', history.text, re.S).group(1)
    assert "payment pending" in row and f'href="/orders/{order.id}/payment"' in row

    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id)
    detail = client.get(f"/orders/{order.id}")
    assert by_id(detail.text, "order-payment-status") == "paid" and 'id="pay-now"' not in detail.text
    row = re.search(rf'<tr id="order-{order.id}">(.*?)</tr>', client.get("/orders").text, re.S).group(1)
    assert "paid" in row and "/payment" not in row


# ---------------------------------------------------------------- guests


GUEST = {
    "email": "srey@example.com",
    "address_id": "new",
    "first_name": "Srey",
    "last_name": "Pich",
    "phone": "096 912 3456",
    "province": "KH-12",
    "address_line1": "No. 5, Street 278",
    "shipping_method": "standard",
    "payment_method": "khqr",
    "currency": "USD",
}


def test_a_guest_pays_on_the_page_of_the_signed_link(client, db, fake_bakong, run_jobs, smtp_server):
    add(client, ProductFactory(name_en="Rice Water Toner", price=D("12.50"), stock=5), 2)
    review = post(client, "/checkout/review", GUEST)
    assert review.status_code == 200, review.text
    placed = place(client, place_form(review))
    location = placed.headers["Location"]
    assert placed.status_code == 303 and re.fullmatch(r"/orders/guest/[^/]+/payment", location)
    order = the_order(db)
    attempt = payments.current_attempt(order.id)
    page = client.get(location)
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex"
    assert by_id(page.text, "payment-amount") == f"${order.total}"
    assert f'hx-get="{location}/status?attempt={attempt.id}&amp;link=0"' in page.text

    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    assert poll(client, location, attempt.id).status_code == 204
    run_jobs()
    paid = poll(client, location, attempt.id)
    assert "Paid, thank you!" in paid.text
    order_page = client.get(location.removesuffix("/payment"))
    assert by_id(order_page.text, "order-payment-status") == "paid"
    (mail,) = smtp_server.messages
    assert location.removesuffix("/payment") in mail.get_body(("plain",)).get_content()

    other = client.application.test_client()
    assert other.get(location.replace("/guest/", "/guest/x")).status_code == 404  # a forged link


def test_a_guests_expired_order_gets_a_new_qr(client, db, fake_bakong):
    add(client, ProductFactory(price=D("12.50"), stock=5), 1)
    placed = place(client, place_form(post(client, "/checkout/review", GUEST)))
    location = placed.headers["Location"]
    order = the_order(db)
    attempt = payments.current_attempt(order.id)
    payments.expire_unpaid(after_expiry(attempt))
    order_page = client.get(location.removesuffix("/payment"))
    assert f'id="pay-now" href="{location}"' in order_page.text
    renewed = post(client, f"{location}/renew", {"currency": "USD"}, form_url=location)
    assert (renewed.status_code, renewed.headers["Location"]) == (303, location)
    assert payments.current_attempt(order.id).id != attempt.id
    assert fresh(Order, order.id).status == OrderStatus.PENDING


# ---------------------------------------------------------------- Khmer


def test_the_payment_page_speaks_khmer(client, db, shopper):
    user, _home, product = shopper
    checkout = client.get("/checkout?lang=km")
    assert "បង់តាម KHQR ជា" in checkout.text and "ដុល្លារអាមេរិក" in checkout.text and "រៀល" in checkout.text
    order, attempt = place_khqr_order(user, product, 2, currency="KHR")
    page = client.get(f"/orders/{order.id}/payment?lang=km")
    assert page.status_code == 200 and '<html lang="km">' in page.text
    assert by_id(page.text, "payment-amount") == "118,900 ៛"
    local = attempt.expires_at.astimezone(PHNOM_PENH).strftime("%H:%M")
    assert by_id(page.text, "payment-expires") == f"ផុតកំណត់នៅម៉ោង {local}"
    assert "ស្កេនដើម្បីបង់ប្រាក់" in page.text
    payments.expire_unpaid(attempt.expires_at + timedelta(seconds=1))
    expired = client.get(f"/orders/{order.id}/payment?lang=km")
    assert "បង្កើត QR ថ្មី" in expired.text
