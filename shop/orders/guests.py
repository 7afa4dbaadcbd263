"""Orders without an account: the guest's contact, the signed link to their order, looking an
order up by its number and the email or phone it was placed with, and an account taking over
its guest orders once its email is verified.

Guests are counted like customers wherever a rule is "per customer" (shop.coupons: by email
and phone), and a checkout with a coupon locks the customer's email and phone for the length
of its transaction (`lock_customer`), so ten guest checkouts at once with one email cannot use a
once-per-customer coupon ten times.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from shop.accounts.models import User
from shop.accounts.phones import InvalidPhone, normalize_phone
from shop.coupons.models import CouponUsage
from shop.errors import Conflict, ShopError, TooManyAttempts
from shop.extensions import db
from shop.infra import attempts
from shop.orders.models import Order, OrderStatus

LINK_SALT = "shop.orders.guest-order-link"
LOOKUP_WINDOW_SECONDS = 15 * 60
MAX_LOOKUPS_PER_IP = 10


class AccountExists(Conflict):
    """A guest checkout with the email of an account: sign in instead. It says no more than
    registration does ("An account with this email already exists")."""

    code = "account_exists"
    default_message = _l("An account with this email already exists. Please sign in to check out.")


class OrderNotFound(ShopError):
    status = 404
    code = "order_not_found"
    default_message = _l("We could not find an order with this number and this email or phone.")


def check_guest_email(email: str) -> None:
    """Refuse a guest checkout with the email of an existing account (AccountExists)."""
    taken = db.session.scalar(sa.select(User.id).where(User.email == email.strip().lower()))
    if taken is not None:
        raise AccountExists(field="email")


def lock_customer(*, user_id: int | None, email: str | None, phone: str | None) -> None:
    """Serialise coupon checkouts of one customer until the transaction ends: the user row
    (signed in), and a transaction-scoped advisory lock per email and per phone on PostgreSQL.
    On SQLite there is one writer at a time anyway."""
    if user_id is not None:
        db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
    if db.session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({f"email:{email.strip().lower()}" if email else "", f"phone:{phone}" if phone else ""} - {""})
    for key in keys:  # always in the same order, so two checkouts cannot deadlock
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(number)))


# ---------------------------------------------------------------- the signed link


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def order_token(order: Order) -> str:
    """The token of an order's link: whoever has the confirmation email may open the order.
    It names the order and its number, signed with SECRET_KEY (no expiry: an order page is as
    useful in a month; changing SECRET_KEY ends every link)."""
    return _serializer().dumps([order.id, order.order_number])


def order_from_token(token: str) -> Order | None:
    """The order a link's token names, or None when it was not made by us."""
    try:
        order_id, number = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(order_id, int):
        return None
    order = db.session.get(Order, order_id)
    return order if order is not None and order.order_number == number else None


# ---------------------------------------------------------------- look-up


def lookup_order(order_number: str, contact: str, *, ip: str | None) -> Order:
    """The order with this number placed with this email or phone; OrderNotFound otherwise,
    with the same answer whether the order exists or the contact is wrong. At most
    MAX_LOOKUPS_PER_IP tries in 15 minutes per IP address (TooManyAttempts)."""
    key = f"rate_limit:order_lookup:{ip or 'unknown'}"
    window = attempts.current(key)
    if window.count >= MAX_LOOKUPS_PER_IP:
        raise TooManyAttempts(window.retry_after)
    attempts.record(key, LOOKUP_WINDOW_SECONDS)
    number = (order_number or "").strip().upper()
    contact = (contact or "").strip()
    if not number or not contact:
        raise OrderNotFound(field="order_number")
    order = db.session.scalar(sa.select(Order).where(Order.order_number == number))
    if order is None or not _placed_with(order, contact):
        raise OrderNotFound(field="order_number")
    return order


def _placed_with(order: Order, contact: str) -> bool:
    if "@" in contact:
        return order.customer_email == contact.lower()
    try:
        phone = normalize_phone(contact)
    except InvalidPhone:
        return False
    delivery_phone = (order.shipping_address or {}).get("phone")
    return phone in {order.customer_phone, delivery_phone}


# ---------------------------------------------------------------- an account takes over


def claim_guest_orders(user: User) -> int:
    """Give a verified account the guest orders placed with its email (the caller commits):
    they appear in its history and count in its totals. Only a verified email proves the
    orders are theirs."""
    if not user.email_verified:
        return 0
    found = db.session.execute(
        sa.select(Order.id, Order.total, Order.status).where(
            Order.user_id.is_(None), Order.customer_email == user.email
        )
    ).all()
    if not found:
        return 0
    ids = [order_id for order_id, _total, _status in found]
    counted = [total for _id, total, status in found if status != OrderStatus.CANCELLED]
    orders, users, usage = (cast(sa.Table, model.__table__) for model in (Order, User, CouponUsage))
    db.session.execute(sa.update(orders).where(orders.c.id.in_(ids)).values(user_id=user.id))
    db.session.execute(sa.update(usage).where(usage.c.order_id.in_(ids)).values(user_id=user.id))
    db.session.execute(
        sa.update(users)
        .where(users.c.id == user.id)
        .values(
            total_orders=users.c.total_orders + len(counted),
            total_spent=users.c.total_spent + sum(counted, Decimal("0.00")),
        )
    )
    return len(ids)
