"""A guest buys through the pages: email, Cambodian address, review, place; the order page of
the signed link; an account from it; an email with an account is offered sign-in."""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa

from shop.accounts.models import User
from shop.orders.models import Order
from tests.factories import ProductFactory, UserFactory
from tests.web.test_cart_pages import add, post
from tests.web.test_checkout_pages import place, place_form, totals

D = Decimal
GUEST = {
    "email": "Srey@Example.com",
    "address_id": "new",
    "first_name": "Srey",
    "last_name": "Pich",
    "phone": "០៩៦ ៩១២ ៣៤៥៦",
    "province": "KH-17",
    "district": "Krong Siem Reap",
    "commune": "Sangkat Svay Dangkum",
    "address_line1": "No. 5, Sivatha Road",
    "landmark": "Next to the Angkor Market",
    "shipping_method": "standard",
    "payment_method": "cod",
}


def test_a_guest_checks_out_with_the_summary_on_every_step(client, db, run_jobs, smtp_server):
    product = ProductFactory(name_en="Rice Water Toner", price=D("12.50"), stock=5)
    add(client, product, 2)
    step1 = client.get("/checkout")
    assert step1.status_code == 200
    assert 'id="checkout-summary"' in step1.text and "Rice Water Toner × 2" in step1.text
    # the summary's totals in dollars and riel: $25.00 is 102,500 riel at 4,100
    assert re.search(r'id="summary-subtotal">\$25\.00<span class="price-khr">.*?102,500', step1.text)
    assert 'name="email"' in step1.text and "/account/login?next=/checkout" in step1.text
    review = post(client, "/checkout/review", GUEST)
    assert review.status_code == 200, review.text
    assert totals(review) == {"subtotal": "$25.00", "shipping": "$3.00", "tax": "$2.50", "total": "$30.50"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    placed = place(client, place_form(review))
    assert placed.status_code == 303
    assert placed.headers["Location"].startswith("/orders/guest/")
    order = db.session.scalar(sa.select(Order))
    assert (order.user_id, order.customer_email, order.customer_phone, order.total) == (
        None, "srey@example.com", "+855969123456", D("30.50"),
    )  # fmt: skip
    assert order.shipping_address["landmark"] == "Next to the Angkor Market"
    page = client.get(placed.headers["Location"])
    assert page.status_code == 200 and 'id="order-thanks"' in page.text and 'id="guest-account"' in page.text
    assert client.get("/cart").text.count("Rice Water Toner") == 0  # the guest's cart is empty
    run_jobs()
    (mail,) = smtp_server.messages
    assert placed.headers["Location"].split("?")[0] in mail.get_body(("plain",)).get_content()
    # an account from the order page: signed in at once, the order joins it once verified
    made = post(client, placed.headers["Location"].split("?")[0] + "/account",
                {"password": "a long passphrase 2026", "confirm": "a long passphrase 2026"})  # fmt: skip
    assert made.status_code == 303
    user = db.session.scalar(sa.select(User).where(User.email == "srey@example.com"))
    assert user is not None and user.phone == "+855969123456"


def test_a_guest_with_the_email_of_an_account_is_offered_sign_in_in_khmer(client, db):
    UserFactory(email="srey@example.com")
    add(client, ProductFactory(stock=5), 1)
    page = post(client, "/checkout/review?lang=km", GUEST)
    assert page.status_code == 409
    assert "គណនីដែលមានអ៊ីមែលនេះមានរួចហើយ។ សូមចូលគណនីដើម្បីបញ្ជាទិញ។" in page.text
    assert "/account/login?next=/checkout" in page.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_the_order_lookup_page_gives_the_same_answer_for_a_wrong_email_and_no_order(client, db):
    add(client, ProductFactory(stock=5), 1)
    place(client, place_form(post(client, "/checkout/review", GUEST)))
    order = db.session.scalar(sa.select(Order))
    found = post(client, "/orders/lookup", {"order_number": order.order_number, "contact": "096 912 3456"})
    assert found.status_code == 303 and found.headers["Location"].startswith("/orders/guest/")
    wrong = post(client, "/orders/lookup", {"order_number": order.order_number, "contact": "x@example.com"})
    missing = post(client, "/orders/lookup", {"order_number": "SK-000000-AAAAAA", "contact": "srey@example.com"})
    message = "We could not find an order with this number and this email or phone."
    assert wrong.status_code == missing.status_code == 404
    assert message in wrong.text and message in missing.text


def test_register_honours_next_so_sign_up_to_check_out_comes_back(client, db):
    page = client.get("/account/register?next=/checkout")
    assert page.status_code == 200
    signed_up = post(
        client,
        "/account/register?next=/checkout",
        {"email": "new@example.com", "password": "a long passphrase 2026", "confirm": "a long passphrase 2026"},
    )
    assert (signed_up.status_code, signed_up.headers["Location"]) in ((302, "/checkout"), (303, "/checkout"))
