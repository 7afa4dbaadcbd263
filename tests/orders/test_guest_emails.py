"""A guest's emails go out in the language they checked out in: the confirmation with the
signed link (cash on delivery at once; KHQR once the money arrives), and the shipping notice
staff trigger days later. Real SMTP (aiosmtpd), real RQ jobs, the fake Bakong for KHQR."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.orders import fulfilment
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from shop.payments import services as payments
from tests.factories import AdminFactory, ProductFactory
from tests.payments.conftest import fake_bakong  # noqa: F401 (a fixture)
from tests.web.test_account_pages import khmer
from tests.web.test_cart_pages import add, post
from tests.web.test_checkout_pages import place_form
from tests.web.test_guest_checkout import GUEST

D = Decimal
KHMER = range(0x1780, 0x1800)


def _khmer_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(ord(c) in KHMER for c in letters) / max(len(letters), 1)


def _texts(mail) -> tuple[str, str]:
    return mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()


@pytest.mark.parametrize("lang", ["km", "en"])
def test_a_guest_who_checks_out_in_khmer_gets_khmer_emails_with_the_signed_link(
    app, client, db, run_jobs, smtp_server, lang
):
    add(client, ProductFactory(name_en="Rice Water Toner", name_kh="ទឹកអនាម័យទឹកអង្ករ", stock=5), 1)
    review = post(client, f"/checkout/review?lang={lang}", GUEST)
    placed = client.post(f"/checkout/place?lang={lang}", data=place_form(review))
    assert placed.status_code == 303
    link = placed.headers["Location"].split("?")[0]
    order = db.session.scalar(sa.select(Order))
    assert order.customer_language == lang

    assert run_jobs() == 1
    (mail,) = smtp_server.messages
    text, html = _texts(mail)
    assert mail["To"] == "srey@example.com"
    assert mail["Content-Language"] == lang
    assert link in text and link in html  # the signed link to the order page
    if lang == "km":
        assert mail["Subject"] == khmer(app, "Your order %(number)s", number=order.order_number)
        assert khmer(app, "Thank you for your order, %(name)s!", name="Srey Pich") in text
        assert _khmer_share(text) > 0.5
    else:
        assert mail["Subject"] == f"Your order {order.order_number}"
        assert _khmer_share(text) < 0.05
    # The products are named in the order's language, in the email and on the order page.
    name = "ទឹកអនាម័យទឹកអង្ករ" if lang == "km" else "Rice Water Toner"
    assert f"{name} × 1" in text and f"{name} × 1" in html
    assert ("Rice Water Toner" in text) == (lang == "en")
    # The link opens the order for anyone holding it (the email's reader, not the session).
    page = app.test_client().get(f"{link}?lang={lang}")
    assert page.status_code == 200 and name in page.get_data(as_text=True)

    # Days later staff ship it: the notice follows the order's language, not the staff's.
    admin = AdminFactory()
    actor = Actor(id=admin.id, email=admin.email)
    for status in (OrderStatus.CONFIRMED, OrderStatus.PROCESSING):
        fulfilment.change_status(order.id, status, actor=actor)
    fulfilment.ship(order.id, "KH-TRACK-1", actor=actor)
    assert run_jobs() == 1
    notice = smtp_server.messages[1]
    assert notice["Content-Language"] == lang
    subject = "Your order %(number)s is on its way"
    expected = (
        khmer(app, subject, number=order.order_number)
        if lang == "km"
        else f"Your order {order.order_number} is on its way"
    )
    assert notice["Subject"] == expected
    tracking = "Tracking number: %(tracking)s"
    notice_text = _texts(notice)[0]
    if lang == "km":
        assert khmer(app, tracking, tracking="KH-TRACK-1") in notice_text
    else:
        assert "Tracking number: KH-TRACK-1" in notice_text


def test_a_guest_paying_by_khqr_in_khmer_gets_the_khmer_confirmation_when_the_money_arrives(
    app,
    db,
    fake_bakong,  # noqa: F811
    run_jobs,
    smtp_server,
):
    product = ProductFactory(name_en="Rice Water Toner", name_kh="ទឹកអនាម័យទឹកអង្ករ", stock=5)
    order = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(product.id, 1)],
            email="srey@example.com",
            customer_name="Srey",
            user_id=None,
            phone="+855969123456",
            shipping_address={
                "first_name": "Srey",
                "address_line1": "No. 5, Sivatha Road",
                "province": "KH-17",
                "phone": "096 912 3456",
            },
            payment_method="khqr",
            currency="USD",
            locale="km",
        )
    )
    attempt = payments.current_attempt(order.id)
    assert run_jobs() == 1  # the QR's deeplink job: no email before the money
    assert smtp_server.messages == []
    fake_bakong.pay(attempt.md5, amount=attempt.amount, currency="USD", to_account="shop@aclb")
    assert payments.check_attempt(attempt.id).outcome.value == "paid"
    assert run_jobs() == 1
    (mail,) = smtp_server.messages
    assert mail["Content-Language"] == "km"
    assert mail["Subject"] == khmer(app, "Your order %(number)s", number=order.order_number)
    text, _ = _texts(mail)
    assert "/orders/guest/" in text and khmer(app, "Thank you for your order, %(name)s!", name="Srey") in text
