"""Issue #15's bad input, each answered in the shopper's language with nothing written: a phone
that is not Cambodian, a province that does not exist, one no zone delivers to, a method the
zone lacks, a guest email with an account, a look-up with a wrong email."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.delivery import services as delivery
from shop.delivery.models import DeliveryZone
from shop.orders.models import Order
from tests.factories import AdminFactory, ProductFactory, UserFactory
from tests.orders.test_guest_orders import ADDRESS
from tests.web.test_account_pages import khmer
from tests.web.test_cart_pages import add, post
from tests.web.test_checkout_pages import place_form
from tests.web.test_guest_checkout import GUEST

D = Decimal


def _order(client, lang: str, **extra):
    product = ProductFactory(price=D("10.00"), stock=5)
    body = {"items": [{"product_id": product.id, "quantity": 1}], "email": "dara@example.com",
            "shipping_address": ADDRESS, **extra}  # fmt: skip
    return client.post(f"/api/v1/orders?lang={lang}", json=body), product


@pytest.mark.parametrize(
    ("extra", "field", "msgid"),
    [
        (
            {"shipping_address": {**ADDRESS, "phone": "+1 202 555 0123"}},
            "phone",
            "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678.",
        ),
        (
            {"shipping_address": {**ADDRESS, "province": "Bangkok"}},
            "province",
            "Choose a province of Cambodia from the list.",
        ),
        (
            {"shipping_address": {**ADDRESS, "province": "KH-17"}, "shipping_method": "express"},
            "shipping_method",
            "This delivery method does not reach your address.",
        ),
    ],
)
def test_bad_guest_input_is_refused_in_khmer_through_the_api(app, client, db, extra, field, msgid):
    for lang in ("en", "km"):
        refused, product = _order(client, lang, **extra)
        assert refused.status_code == 400
        message = refused.get_json()["error"]["details"][field][0]
        assert message == (khmer(app, msgid) if lang == "km" else msgid)
        db.session.expire_all()
        assert product.stock == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_province_no_zone_delivers_to_is_named_in_khmer(app, client, db):
    db.session.execute(sa.delete(DeliveryZone))
    db.session.commit()
    admin = AdminFactory()
    standard = {"code": "standard", "name_en": "Standard", "rate": "1.50", "estimate_en": "1–3 days"}
    city = {"name_en": "Phnom Penh", "provinces": ["KH-12"], "methods": [standard]}
    delivery.save_zone(None, city, actor=Actor(id=admin.id, email=admin.email))  # the only zone
    refused, _ = _order(client, "km", shipping_address={**ADDRESS, "province": "KH-17"})
    assert refused.status_code == 400
    message = refused.get_json()["error"]["details"]["province"][0]
    assert message == khmer(app, "We do not deliver to %(province)s yet.", province="សៀមរាប")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_guest_page_refuses_a_foreign_phone_in_khmer_and_a_lookup_with_a_wrong_email(app, client, db):
    UserFactory(email="someone@example.com")
    add(client, ProductFactory(stock=5), 1)
    page = post(client, "/checkout/review?lang=km", {**GUEST, "phone": "+1 202 555 0123"})
    assert page.status_code == 422
    assert khmer(app, "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678.") in page.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    client.post("/checkout/place", data=place_form(post(client, "/checkout/review", GUEST)))
    order = db.session.scalar(sa.select(Order))
    wrong = post(client, "/orders/lookup?lang=km", {"order_number": order.order_number, "contact": "x@example.com"})
    assert wrong.status_code == 404
    assert khmer(app, "We could not find an order with this number and this email or phone.") in wrong.text
