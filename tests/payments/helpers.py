"""Placing KHQR orders for the payment tests, through the real checkout service."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shop.catalog.models import Product
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order
from shop.payments import services as payments
from shop.payments.models import PaymentAttempt, PaymentEvent

PHNOM_PENH = {
    "first_name": "Sokha",
    "address_line1": "No. 12, Street 278",
    "city": "Phnom Penh",
    "postal_code": "120101",
    "country": "Cambodia",
    "phone": "012 345 678",
}


def place_khqr_order(user, product, quantity=1, *, currency="USD", coupon_code=None) -> tuple[Order, PaymentAttempt]:
    order = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(product.id, quantity)],
            email=user.email,
            user_id=user.id,
            shipping_address=PHNOM_PENH,
            payment_method="khqr",
            currency=currency,
            coupon_code=coupon_code,
        )
    )
    attempt = payments.current_attempt(order.id)
    assert attempt is not None
    return order, attempt


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Product, product_id).stock


def kinds(attempt_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(PaymentEvent.kind).where(PaymentEvent.attempt_id == attempt_id).order_by(PaymentEvent.id)
        )
    )


def after_expiry(attempt: PaymentAttempt, seconds: int = 1):
    return attempt.expires_at + timedelta(seconds=seconds)
