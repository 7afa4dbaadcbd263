"""Every coupon rule, and their combinations, with exact discounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from shop.coupons.models import CouponStatus, CouponType
from shop.coupons.services import CouponNotApplicable, Line, available_coupons, evaluate
from shop.reporting.periods import today as shop_today
from tests.factories import (
    CategoryFactory,
    CouponFactory,
    CouponUsageFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
)

D = Decimal
# CouponFactory's validity window is relative to the real date (from yesterday, for 30 days):
# a fixed date here fell outside it a day after it was written.
TODAY = date.today()


@pytest.fixture
def basket(db):
    serum = ProductFactory(price=D("19.99"), category="serums")
    toner = ProductFactory(price=D("12.50"), category="toners")
    sunscreen = ProductFactory(price=D("15.00"), category="sunscreens")
    sunscreen.categories = [CategoryFactory(slug="sun-care")]
    db.session.commit()
    lines = [Line(serum.id, 2, serum.price), Line(toner.id, 1, toner.price), Line(sunscreen.id, 1, sunscreen.price)]
    return {"serum": serum, "toner": toner, "sunscreen": sunscreen, "lines": lines}  # subtotal 67.48


CASES = [
    # (coupon fields, expected discount, free shipping?)
    ({"type": CouponType.PERCENTAGE, "value": D("10")}, D("6.75"), False),  # 10% of 67.48 = 6.748 -> 6.75
    ({"type": CouponType.PERCENTAGE, "value": D("15"), "max_discount": D("5.00")}, D("5.00"), False),
    ({"type": CouponType.PERCENTAGE, "value": D("12.5")}, D("8.44"), False),  # 8.435 rounds half up
    ({"type": CouponType.PERCENTAGE, "value": D("100")}, D("67.48"), False),
    ({"type": CouponType.FIXED, "value": D("5.00")}, D("5.00"), False),
    ({"type": CouponType.FIXED, "value": D("500.00")}, D("67.48"), False),  # never more than the goods
    ({"type": CouponType.FREE_SHIPPING, "value": D("0")}, D("3.00"), True),
    ({"type": CouponType.PERCENTAGE, "value": D("20"), "applicable_categories": ["serums"]}, D("8.00"), False),
    ({"type": CouponType.PERCENTAGE, "value": D("20"), "applicable_categories": ["sun-care"]}, D("3.00"), False),
    ({"type": CouponType.FIXED, "value": D("20.00"), "applicable_categories": ["toners"]}, D("12.50"), False),
    ({"type": CouponType.PERCENTAGE, "value": D("10"), "min_order_value": D("67.48")}, D("6.75"), False),
    ({"type": CouponType.PERCENTAGE, "value": D("10"), "usage_limit": 5, "used_count": 4}, D("6.75"), False),
]


@pytest.mark.parametrize(("fields", "expected", "free_shipping"), CASES)
def test_discounts(basket, fields, expected, free_shipping):
    CouponFactory(code="CODE", **fields)
    user = UserFactory()
    discount = evaluate("code", basket["lines"], user_id=user.id, shipping=D("3.00"), today=TODAY)
    assert (discount.amount, discount.free_shipping) == (expected, free_shipping)


def test_applicable_products(basket):
    CouponFactory(code="TONER", type=CouponType.PERCENTAGE, value=D("50"), applicable_products=[basket["toner"].id])
    discount = evaluate("TONER", basket["lines"], user_id=UserFactory().id, today=TODAY)
    assert (discount.amount, discount.eligible_subtotal) == (D("6.25"), D("12.50"))


def test_products_and_categories_together_cover_both(basket):
    CouponFactory(
        code="MIX",
        type=CouponType.PERCENTAGE,
        value=D("10"),
        applicable_products=[basket["toner"].id],
        applicable_categories=["serums"],
    )
    discount = evaluate("MIX", basket["lines"], user_id=UserFactory().id, today=TODAY)
    assert discount.eligible_subtotal == D("52.48") and discount.amount == D("5.25")


REFUSALS = [
    ({"code": "OTHER"}, "unknown", "This coupon code does not exist."),
    ({"status": CouponStatus.INACTIVE}, "inactive", "This coupon is no longer active."),
    ({"status": CouponStatus.EXPIRED}, "inactive", "This coupon is no longer active."),
    ({"start_date": TODAY + timedelta(days=1)}, "not_started", "This coupon is not valid yet."),
    ({"end_date": TODAY - timedelta(days=1), "start_date": None}, "expired", "This coupon has expired."),
    ({"usage_limit": 3, "used_count": 3}, "used_up", "This coupon has been fully used."),
    ({"min_order_value": D("67.49")}, "minimum", "Spend at least $67.49 · ៛276,700 to use this coupon."),
    (
        {"applicable_categories": ["masks"]},
        "no_eligible_items",
        "This coupon does not apply to the items in your cart.",
    ),
]


@pytest.mark.parametrize(("fields", "reason", "message"), REFUSALS)
def test_refusals_say_why(app, basket, fields, reason, message):
    CouponFactory(**{"code": "CODE", **fields})
    with app.test_request_context("/"), pytest.raises(CouponNotApplicable) as caught:
        evaluate("CODE", basket["lines"], user_id=UserFactory().id, today=TODAY)
    assert caught.value.reason == reason
    assert str(caught.value.message) == message


def test_refusal_in_khmer(app, basket):
    CouponFactory(code="CODE", min_order_value=D("100.00"))
    with pytest.raises(CouponNotApplicable) as caught:
        evaluate("CODE", basket["lines"], user_id=UserFactory().id, today=TODAY)
    with app.test_request_context("/"), force_locale("km"):
        assert str(caught.value.message) == "ចំណាយយ៉ាងហោចណាស់ 100.00$ · 410,000 ៛ ដើម្បីប្រើគូប៉ុងនេះ។"


def test_per_user_limit(basket):
    coupon = CouponFactory(code="ONCE", usage_limit_per_user=1)
    user = UserFactory()
    other = UserFactory()
    CouponUsageFactory(coupon_id=coupon.id, user_id=user.id)
    with pytest.raises(CouponNotApplicable) as caught:
        evaluate("ONCE", basket["lines"], user_id=user.id, today=TODAY)
    assert caught.value.reason == "used_by_you"
    assert evaluate("ONCE", basket["lines"], user_id=other.id, today=TODAY).amount == D("6.75")


def test_first_time_only(basket):
    CouponFactory(code="WELCOME", is_first_time_only=True, usage_limit_per_user=None)
    returning = UserFactory()
    OrderFactory(user=returning)
    newcomer = UserFactory()
    with pytest.raises(CouponNotApplicable) as caught:
        evaluate("WELCOME", basket["lines"], user_id=returning.id, today=TODAY)
    assert caught.value.reason == "first_order_only"
    assert evaluate("WELCOME", basket["lines"], user_id=newcomer.id, today=TODAY).amount == D("6.75")
    with pytest.raises(CouponNotApplicable) as caught:
        evaluate("WELCOME", basket["lines"], user_id=None, email=None, today=TODAY)
    assert caught.value.reason == "sign_in"
    OrderFactory(customer_email="guest@example.com")
    with pytest.raises(CouponNotApplicable) as caught:
        evaluate("WELCOME", basket["lines"], user_id=None, email="Guest@Example.com", today=TODAY)
    assert caught.value.reason == "first_order_only"


def test_code_is_case_insensitive_and_trimmed(basket):
    CouponFactory(code="KHMERNEWYEAR", type=CouponType.PERCENTAGE, value=D("15"), max_discount=D("20.00"))
    assert evaluate("  khmernewyear ", basket["lines"], user_id=UserFactory().id, today=TODAY).amount == D("10.12")


def test_available_coupons_are_those_evaluate_would_not_refuse_for_dates_status_or_use(db):
    """The list the API offers follows evaluate's first checks, on the day given (the shop's by default)."""
    day = shop_today() - timedelta(days=40)
    CouponFactory(code="OPEN", start_date=None, end_date=None)
    CouponFactory(code="LAST", start_date=day, end_date=day)
    CouponFactory(code="SOON", start_date=day + timedelta(days=1))
    CouponFactory(code="GONE", start_date=None, end_date=day - timedelta(days=1))
    CouponFactory(code="OFF", status=CouponStatus.INACTIVE, start_date=None, end_date=None)
    CouponFactory(code="USED", usage_limit=2, used_count=2, start_date=None, end_date=None)
    CouponFactory(code="LEFT", usage_limit=2, used_count=1, start_date=None, end_date=None)
    db.session.commit()
    assert [c.code for c in available_coupons(today=day)] == ["LAST", "LEFT", "OPEN"]
    for coupon in available_coupons(today=day):
        try:
            evaluate(coupon.code, [], user_id=None, today=day)
        except CouponNotApplicable as refusal:
            assert refusal.reason in ("sign_in", "no_eligible_items", "minimum")
    # On the shop's today LAST has ended and SOON (ending in 30 days) has started.
    assert [c.code for c in available_coupons()] == ["SOON", "LEFT", "OPEN"]
