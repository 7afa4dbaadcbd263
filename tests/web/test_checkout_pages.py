"""Checkout in the browser's way: address, delivery, review, place. Real PostgreSQL, Redis, SMTP
and RQ; the real CSRF check. The review posts back the total it showed and its idempotency key."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.accounts.models import UserAddress
from shop.cart.models import CartItem
from shop.catalog.models import Product
from shop.coupons.models import Coupon
from shop.orders.models import Order
from tests.factories import AddressFactory, CouponFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add, by_id, field_error, flashes, post, token

D = Decimal
SIEM_REAP = {
    "address_id": "new",
    "first_name": "Dara",
    "last_name": "Kim",
    "address_line1": "No. 5, Sivatha Road",
    "province": "KH-17",
    "postal_code": "171201",
    "phone": "+855 12 777 888",
}


@pytest.fixture
def shopper(client, db):
    """A signed-in shopper with a default address in Phnom Penh and 2 × $12.50 in the cart."""
    user = UserFactory(first_name="Sokha", last_name="Chan")
    home = AddressFactory(user=user, is_default=True, city="Phnom Penh")
    product = ProductFactory(name_en="Rice Water Toner", price=D("12.50"), stock=5)
    sign_in(client, user.email)
    add(client, product, 2)
    return user, home, product


def review(client, data: dict):
    return post(client, "/checkout/review", {"shipping_method": "standard", "payment_method": "cod", **data})


def place_form(page) -> dict:
    """The hidden fields of the review's "Place order" form."""
    form = re.search(r'<form method="post" action="/checkout/place">(.*?)</form>', page.text, re.S).group(1)
    return {name: html.unescape(value) for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form)}


def place(client, fields: dict):
    return client.post("/checkout/place", data=fields)


def count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def totals(page, prefix: str = "review") -> dict:
    names = ("subtotal", "discount", "shipping", "tax", "total")
    return {n: by_id(page.text, f"{prefix}-{n}") for n in names if f'id="{prefix}-{n}"' in page.text}


def test_a_visitor_with_an_empty_cart_is_sent_back_to_the_cart(client, db):
    """Guests may check out (tests/web/test_guest_checkout.py); with nothing to buy, not yet."""
    page = client.get("/checkout")
    assert (page.status_code, page.headers["Location"]) == (303, "/cart")
    posted = post(client, "/checkout/place", {"idempotency_key": "x" * 20})
    assert posted.status_code in (303, 422)
    assert count(db, Order) == 0


def test_an_empty_cart_goes_back_to_the_cart(client, db):
    sign_in(client, UserFactory().email)
    page = client.get("/checkout")
    assert (page.status_code, page.headers["Location"]) == (303, "/cart")
    assert flashes(client.get("/cart").text)[-1] == "Your cart is empty."


def test_checkout_form_preselects_the_default_address_and_shows_its_rates(client, shopper):
    _user, home, _product = shopper
    page = client.get("/checkout")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert f'id="address-{home.id}" value="{home.id}" checked' in page.text
    assert by_id(page.text, "shipping-standard-note") == "$1.50"
    assert by_id(page.text, "shipping-express-note") == "$3.50"
    assert 'id="payment-cod" value="cod" checked' in page.text


def test_delivery_options_follow_the_chosen_address_with_htmx(client, shopper):
    fragment = post(client, "/checkout", {**SIEM_REAP, "shipping_method": "express"}, htmx=True)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<fieldset id="delivery-options"')
    assert by_id(fragment.text, "shipping-standard-note") == "$3.00"
    # the provinces' zone has no same-day method: it is not offered at all
    assert 'id="shipping-express"' not in fragment.text


def test_checkout_with_a_book_address_places_the_order_empties_the_cart_and_emails(
    client, db, shopper, run_jobs, smtp_server
):
    user, home, product = shopper
    page = review(client, {"address_id": str(home.id), "notes": "Call before delivery"})
    assert page.status_code == 200
    assert totals(page) == {"subtotal": "$25.00", "shipping": "$1.50", "tax": "$2.50", "total": "$29.00"}
    fields = place_form(page)
    assert fields["expected_total"] == "29.00"
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", fields["idempotency_key"])
    assert count(db, Order) == 0  # the review writes nothing

    placed = place(client, fields)
    assert placed.status_code == 303
    order = db.session.scalar(sa.select(Order))
    assert placed.headers["Location"] == f"/orders/{order.id}?placed=1"
    assert (order.subtotal, order.shipping_amount, order.tax_amount, order.discount_amount, order.total) == (
        D("25.00"),
        D("1.50"),
        D("2.50"),
        D("0.00"),
        D("29.00"),
    )
    assert (order.user_id, order.customer_email, order.customer_name) == (user.id, user.email, "Sokha Chan")
    assert (order.shipping_method, order.payment_method, order.notes) == ("standard", "cod", "Call before delivery")
    assert order.shipping_address == home.as_snapshot()
    assert [(i.product_id, i.quantity, i.unit_price) for i in order.items] == [(product.id, 2, D("12.50"))]
    assert count(db, CartItem, CartItem.user_id == user.id) == 0
    assert db.session.get(Product, product.id).stock == 3

    confirmation = client.get(placed.headers["Location"])
    assert by_id(confirmation.text, "order-thanks").startswith("Thank you for your order!")
    assert by_id(confirmation.text, "order-total") == "$29.00"
    assert 'data-count="0"' in confirmation.text

    assert run_jobs() == 1
    [email] = smtp_server.messages
    assert email["To"] == user.email
    assert email["Subject"] == f"Your order {order.order_number}"
    assert "$29.00" in email.get_body(("plain",)).get_content()


def test_new_address_in_a_province_is_priced_and_saved_when_asked(client, db, shopper):
    user, _home, _product = shopper
    page = review(client, {**SIEM_REAP, "save_address": "y"})
    assert page.status_code == 200
    assert totals(page) == {"subtotal": "$25.00", "shipping": "$3.00", "tax": "$2.50", "total": "$30.50"}
    fields = place_form(page)
    assert fields["address_id"] == "new" and fields["save_address"] == "y" and fields["province"] == "KH-17"
    placed = place(client, fields)
    assert placed.status_code == 303
    order = db.session.scalar(sa.select(Order))
    assert order.shipping_address["city"] == "Siem Reap" and order.total == D("30.50")
    saved = db.session.scalars(sa.select(UserAddress).where(UserAddress.city == "Siem Reap")).all()
    assert [(a.user_id, a.address_line1, a.type) for a in saved] == [(user.id, "No. 5, Sivatha Road", "shipping")]
    place(client, fields)  # the same form again: the same order, the address is not added twice
    assert count(db, UserAddress, UserAddress.user_id == user.id) == 2


def test_a_new_address_is_not_saved_unless_asked(client, db, shopper):
    user, _home, _product = shopper
    place(client, place_form(review(client, SIEM_REAP)))
    assert count(db, Order) == 1
    assert count(db, UserAddress, UserAddress.user_id == user.id) == 1


def test_express_is_refused_outside_phnom_penh(client, db, shopper):
    page = review(client, {**SIEM_REAP, "shipping_method": "express"})
    assert page.status_code == 400
    assert field_error(page.text, "shipping_method") == "This delivery method does not reach your address."
    assert count(db, Order) == 0


def test_express_in_phnom_penh_costs_its_rate(client, shopper):
    _user, home, _product = shopper
    page = review(client, {"address_id": str(home.id), "shipping_method": "express"})
    assert totals(page)["shipping"] == "$3.50" and totals(page)["total"] == "$31.00"


def test_a_new_address_needs_its_required_fields(client, db, shopper):
    page = review(client, {**SIEM_REAP, "province": "", "phone": "", "postal_code": ""})
    assert page.status_code == 422
    assert field_error(page.text, "province") == "This field is required."
    assert field_error(page.text, "phone") == "This field is required."
    assert field_error(page.text, "postal_code") is None  # optional: most addresses have none
    foreign = review(client, {**SIEM_REAP, "phone": "+1 202 555 0123"})
    assert foreign.status_code == 422
    assert field_error(foreign.text, "phone") == (
        "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678."
    )


def test_someone_elses_address_cannot_be_used(client, db, shopper):
    other = AddressFactory(user=UserFactory())
    page = review(client, {"address_id": str(other.id)})
    assert page.status_code == 400
    assert field_error(page.text, "address_id") == "Choose a delivery address."


def test_double_submit_with_the_same_key_places_one_order(client, db, shopper):
    _user, home, product = shopper
    fields = place_form(review(client, {"address_id": str(home.id)}))
    first, second = place(client, fields), place(client, fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db, Order) == 1
    assert db.session.get(Product, product.id).stock == 3


def test_out_of_stock_at_placement_shows_the_review_again_and_writes_nothing(client, db, shopper):
    user, home, product = shopper
    fields = place_form(review(client, {"address_id": str(home.id)}))
    db.session.get(Product, product.id).stock = 1  # someone else bought the rest meanwhile
    db.session.commit()
    refused = place(client, fields)
    assert refused.status_code == 409
    assert by_id(refused.text, "checkout-error").startswith("Only 1 of Rice Water Toner left in stock.")
    assert count(db, Order) == 0
    assert db.session.get(Product, product.id).stock == 1
    assert count(db, CartItem, CartItem.user_id == user.id) == 1
    # The review now says what to change in the cart, and offers no "Place order".
    assert by_id(refused.text, "checkout-problems").startswith("Only 1 of Rice Water Toner left in stock.")
    assert 'action="/checkout/place"' not in refused.text


def test_a_price_change_between_review_and_placement_is_not_charged(client, db, shopper):
    _user, home, product = shopper
    fields = place_form(review(client, {"address_id": str(home.id)}))
    db.session.get(Product, product.id).price = D("15.00")
    db.session.commit()
    refused = place(client, fields)
    assert refused.status_code == 409
    assert by_id(refused.text, "checkout-error").startswith(
        "Prices in your cart have changed. Please review your order before placing it."
    )
    assert totals(refused)["total"] == "$34.50"  # 30.00 + 1.50 + 3.00
    assert count(db, Order) == 0
    assert place(client, place_form(refused)).status_code == 303
    assert db.session.scalar(sa.select(Order.total)) == D("34.50")


def test_a_coupon_used_up_meanwhile_is_refused_and_dropped_from_the_review(client, db, shopper):
    _user, home, _product = shopper
    coupon = CouponFactory(code="LAST", value=D("10"), usage_limit=1)
    post(client, "/cart/coupon", {"coupon_code": "last"})
    page = review(client, {"address_id": str(home.id)})
    assert totals(page) == {
        "subtotal": "$25.00",
        "discount": "−$2.50",
        "shipping": "$1.50",
        "tax": "$2.25",
        "total": "$26.25",
    }
    fields = place_form(page)
    assert fields["coupon_code"] == "LAST"
    db.session.get(Coupon, coupon.id).used_count = 1
    db.session.commit()
    refused = place(client, fields)
    assert refused.status_code == 400
    assert by_id(refused.text, "checkout-error").startswith("This coupon has been fully used.")
    assert "discount" not in totals(refused) and totals(refused)["total"] == "$29.00"
    assert place_form(refused)["coupon_code"] == ""
    assert count(db, Order) == 0


def test_a_tampered_review_is_refused(client, db, shopper):
    _user, home, _product = shopper
    fields = place_form(review(client, {"address_id": str(home.id)}))
    for bad in ({"expected_total": "1"}, {"idempotency_key": "short"}):
        refused = place(client, {**fields, **bad})
        assert refused.status_code == 422
        assert "Please review your order again before placing it." in html.unescape(refused.text)
    cheaper = place(client, {**fields, "expected_total": "1.00"})
    assert cheaper.status_code == 409
    assert count(db, Order) == 0


def test_checkout_pages_render_in_khmer(client, shopper):
    _user, home, _product = shopper
    form = client.get("/checkout?lang=km")
    assert '<html lang="km">' in form.text
    km_token = token(client, "/checkout?lang=km")
    data = {"address_id": str(home.id), "shipping_method": "standard", "payment_method": "cod", "csrf_token": km_token}
    page = client.post("/checkout/review?lang=km", data=data)
    assert page.status_code == 200 and '<html lang="km">' in page.text
    assert "តូណឺរ" in page.text  # the product's Khmer name
