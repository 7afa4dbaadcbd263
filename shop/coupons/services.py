"""The coupon rule engine: every field of the seed's `coupons` table, in one place.

`evaluate` says whether a code applies to a basket and what it takes off, or raises
CouponNotApplicable with the reason in the shopper's language. `reserve` and `release` record
usage atomically at order time (the database refuses used_count > usage_limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from shop.catalog.models import Category, Product, product_categories
from shop.coupons.models import Coupon, CouponStatus, CouponType, CouponUsage
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import money
from shop.money import percent_of, to_money
from shop.orders.models import Order, OrderStatus

ZERO = Decimal("0.00")


class CouponNotApplicable(ShopError):
    code = "coupon_not_applicable"

    def __init__(self, reason: str, message) -> None:
        super().__init__(message, field="coupon_code", reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class Line:
    """One basket line as the coupon engine sees it."""

    product_id: int
    quantity: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class Discount:
    coupon: Coupon
    amount: Decimal  # taken off the order (for free shipping: the shipping amount)
    eligible_subtotal: Decimal
    free_shipping: bool


def find_coupon(code: str) -> Coupon | None:
    """A coupon by code, case-insensitively."""
    return db.session.scalar(sa.select(Coupon).where(sa.func.upper(Coupon.code) == code.strip().upper()))


def evaluate(
    code: str,
    lines: Sequence[Line],
    *,
    user_id: int | None,
    email: str | None = None,
    shipping: Decimal = ZERO,
    today: date | None = None,
) -> Discount:
    """What coupon `code` takes off this basket, or CouponNotApplicable with the reason."""
    today = today or date.today()
    coupon = find_coupon(code) if code and code.strip() else None
    if coupon is None:
        raise CouponNotApplicable("unknown", _l("This coupon code does not exist."))
    if coupon.status != CouponStatus.ACTIVE:
        raise CouponNotApplicable("inactive", _l("This coupon is no longer active."))
    if coupon.start_date and today < coupon.start_date:
        raise CouponNotApplicable("not_started", _l("This coupon is not valid yet."))
    if coupon.end_date and today > coupon.end_date:
        raise CouponNotApplicable("expired", _l("This coupon has expired."))
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        raise CouponNotApplicable("used_up", _l("This coupon has been fully used."))
    if coupon.usage_limit_per_user is not None or coupon.is_first_time_only:
        if user_id is None and not email:
            raise CouponNotApplicable("sign_in", _l("Please sign in to use this coupon."))
        if coupon.usage_limit_per_user is not None and user_id is not None:
            used = _uses_by(coupon.id, user_id)
            if used >= coupon.usage_limit_per_user:
                raise CouponNotApplicable("used_by_you", _l("You have already used this coupon."))
        if coupon.is_first_time_only and _has_ordered(user_id, email):
            raise CouponNotApplicable("first_order_only", _l("This coupon is for your first order only."))

    subtotal = to_money(sum((line.total for line in lines), ZERO))
    if coupon.min_order_value is not None and subtotal < coupon.min_order_value:
        minimum = coupon.min_order_value
        raise CouponNotApplicable(
            "minimum", _l("Spend at least %(amount)s to use this coupon.", amount=LazyString(money, minimum))
        )
    eligible = _eligible_lines(coupon, lines)
    if not eligible:
        raise CouponNotApplicable("no_eligible_items", _l("This coupon does not apply to the items in your cart."))
    eligible_subtotal = to_money(sum((line.total for line in eligible), ZERO))

    if coupon.type == CouponType.FREE_SHIPPING:
        return Discount(coupon, to_money(shipping), eligible_subtotal, True)
    if coupon.type == CouponType.PERCENTAGE:
        amount = percent_of(eligible_subtotal, coupon.value)
        if coupon.max_discount is not None:
            amount = min(amount, coupon.max_discount)
    else:
        amount = min(to_money(coupon.value), eligible_subtotal)
    return Discount(coupon, to_money(amount), eligible_subtotal, False)


def _uses_by(coupon_id: int, user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CouponUsage)
        .where(CouponUsage.coupon_id == coupon_id, CouponUsage.user_id == user_id)
    )


def _has_ordered(user_id: int | None, email: str | None) -> bool:
    who = Order.user_id == user_id if user_id is not None else sa.func.lower(Order.customer_email) == email.lower()
    return bool(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Order).where(who, Order.status.not_in([OrderStatus.CANCELLED]))
        )
    )


def _eligible_lines(coupon: Coupon, lines: Sequence[Line]) -> list[Line]:
    products = set(coupon.applicable_products or [])
    categories = set(coupon.applicable_categories or [])
    if not products and not categories:
        return list(lines)
    in_categories: set[int] = set()
    if categories:
        ids = [line.product_id for line in lines]
        in_categories = set(
            db.session.scalars(sa.select(Product.id).where(Product.id.in_(ids), Product.category.in_(categories)))
        ) | set(
            db.session.scalars(
                sa.select(product_categories.c.product_id)
                .join(Category, Category.id == product_categories.c.category_id)
                .where(product_categories.c.product_id.in_(ids), Category.slug.in_(categories))
            )
        )
    return [line for line in lines if line.product_id in products or line.product_id in in_categories]


def reserve(coupon: Coupon, *, user_id: int | None, order_id: int, amount: Decimal) -> None:
    """Count one use, atomically: two shoppers racing for the last use cannot both get it."""
    claimed = db.session.execute(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, sa.or_(Coupon.usage_limit.is_(None), Coupon.used_count < Coupon.usage_limit))
        .values(used_count=Coupon.used_count + 1)
    ).rowcount
    if not claimed:
        raise CouponNotApplicable("used_up", _l("This coupon has been fully used."))
    db.session.add(CouponUsage(coupon_id=coupon.id, user_id=user_id, order_id=order_id, discount_amount=amount))


def release(order_id: int) -> None:
    """Give back the coupon use of a cancelled order."""
    usages = db.session.scalars(sa.select(CouponUsage).where(CouponUsage.order_id == order_id)).all()
    for usage in usages:
        db.session.execute(
            sa.update(Coupon)
            .where(Coupon.id == usage.coupon_id, Coupon.used_count > 0)
            .values(used_count=Coupon.used_count - 1)
        )
        db.session.delete(usage)
