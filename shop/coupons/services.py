"""The coupon rule engine: every field of the seed's `coupons` table, in one place.

`evaluate` says whether a code applies to a basket and what it takes off, or raises
CouponNotApplicable with the reason in the shopper's language. `reserve` and `release` record
usage atomically at order time (the database refuses used_count > usage_limit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from shop.accounts.models import User
from shop.audit.actors import Actor
from shop.audit.services import plain
from shop.catalog.models import Category, Product, product_categories
from shop.coupons.models import Coupon, CouponStatus, CouponType, CouponUsage
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.i18n import money_and_riel
from shop.infra.like import ESCAPE, contains
from shop.infra.transactions import rows_changed
from shop.money import percent_of, to_money
from shop.orders.models import Order, OrderStatus
from shop.paging import Page, paginate
from shop.reporting.periods import today as shop_today

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


def available_coupons(today: date | None = None) -> list[Coupon]:
    """The coupons a shopper can be offered today: active, started, not ended and not used up,
    the first checks of `evaluate` (the basket and the shopper's own history are checked when the
    code is applied). Ends soonest first, so a shopper sees what is about to go."""
    today = today or shop_today()
    query = (
        sa.select(Coupon)
        .where(
            Coupon.status == CouponStatus.ACTIVE,
            sa.or_(Coupon.start_date.is_(None), Coupon.start_date <= today),
            sa.or_(Coupon.end_date.is_(None), Coupon.end_date >= today),
            sa.or_(Coupon.usage_limit.is_(None), Coupon.used_count < Coupon.usage_limit),
        )
        .order_by(Coupon.end_date.nulls_last(), Coupon.code)
    )
    return list(db.session.scalars(query))


def evaluate(
    code: str,
    lines: Sequence[Line],
    *,
    user_id: int | None,
    email: str | None = None,
    phone: str | None = None,
    shipping: Decimal = ZERO,
    today: date | None = None,
    customer_checked_later: bool = False,
) -> Discount:
    """What coupon `code` takes off this basket, or CouponNotApplicable with the reason.

    Per-customer limits and first-order-only coupons count a customer's orders by account and
    by email, and a guest's also by phone (E.164), so checking out as a guest does not reset them.
    `customer_checked_later`: a guest's cart, whose customer is known only at checkout, where
    place_order checks again with the email and phone."""
    today = today or shop_today()
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
            if not customer_checked_later:
                raise CouponNotApplicable("sign_in", _l("Please sign in to use this coupon."))
        else:
            _check_customer(coupon, user_id, _customer(user_id, email, phone))
    return _discount(coupon, lines, shipping)


def _check_customer(coupon: Coupon, user_id: int | None, who: sa.ColumnElement[bool]) -> None:
    if coupon.usage_limit_per_user is not None:
        used = _uses_by(coupon.id, user_id, who)
        if used >= coupon.usage_limit_per_user:
            raise CouponNotApplicable("used_by_you", _l("You have already used this coupon."))
    if coupon.is_first_time_only and _has_ordered(who):
        raise CouponNotApplicable("first_order_only", _l("This coupon is for your first order only."))


def _discount(coupon: Coupon, lines: Sequence[Line], shipping: Decimal) -> Discount:
    subtotal = to_money(sum((line.total for line in lines), ZERO))
    if coupon.min_order_value is not None and subtotal < coupon.min_order_value:
        minimum = coupon.min_order_value
        raise CouponNotApplicable(
            "minimum", _l("Spend at least %(amount)s to use this coupon.", amount=LazyString(money_and_riel, minimum))
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


def _customer(user_id: int | None, email: str | None, phone: str | None) -> sa.ColumnElement[bool]:
    """The orders that count as this customer's: their account's, and any placed with their
    email (a guest's, or theirs before they had an account); a guest's also by phone."""
    who: list[sa.ColumnElement[bool]] = []
    if user_id is not None:
        who.append(Order.user_id == user_id)
    if email:
        who.append(Order.customer_email == email.strip().lower())  # stored lower-cased
    if phone and user_id is None:
        who.append(Order.customer_phone == phone)
    return sa.or_(*who)


def _uses_by(coupon_id: int, user_id: int | None, who: sa.ColumnElement[bool]) -> int:
    if user_id is not None:
        who = sa.or_(CouponUsage.user_id == user_id, who)
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(CouponUsage)
        .outerjoin(Order, Order.id == CouponUsage.order_id)
        .where(CouponUsage.coupon_id == coupon_id, who)
    ).scalar_one()


def _has_ordered(who: sa.ColumnElement[bool]) -> bool:
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
    claimed = rows_changed(
        sa.update(Coupon)
        .where(Coupon.id == coupon.id, sa.or_(Coupon.usage_limit.is_(None), Coupon.used_count < Coupon.usage_limit))
        .values(used_count=Coupon.used_count + 1)
    )
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


# ---------------------------------------------------------------- staff: managing coupons
#
# Every field of the seed's `coupons` table is checked here, for the admin pages and the admin
# API alike. A coupon that has been used is never deleted (CouponInUse, 409): its usage rows and
# the orders that name it are the record of the discounts given; deactivate it instead.

COUPON_FIELDS = (
    "code", "name", "description", "type", "value", "max_discount", "usage_limit", "usage_limit_per_user",
    "min_order_value", "applicable_products", "applicable_categories", "status", "is_first_time_only",
    "start_date", "end_date",
)  # fmt: skip
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,49}$")
MAX_AMOUNT = Decimal("1000000.00")
MAX_DESCRIPTION = 2000
MAX_APPLICABLE = 500
MAX_BULK = 100
NEW_COUPON = {
    "description": None,
    "value": None,
    "max_discount": None,
    "usage_limit": None,
    "usage_limit_per_user": 1,
    "min_order_value": None,
    "applicable_products": None,
    "applicable_categories": None,
    "status": CouponStatus.ACTIVE,
    "is_first_time_only": False,
    "start_date": None,
    "end_date": None,
}


class CouponCodeTaken(Conflict):
    code = "coupon_code_taken"
    default_message = _l("A coupon with this code already exists.")


class CouponInUse(Conflict):
    code = "coupon_in_use"
    default_message = _l("This coupon has been used, so it cannot be deleted. Deactivate it instead.")


def _invalid(message, field: str) -> ShopError:
    return ShopError(message, field=field)


def _amount(value, field: str, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise _invalid(_l("This field is required."), field)
        return None
    if isinstance(value, bool | float):
        raise _invalid(_l("Must be a number."), field)
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise _invalid(_l("Must be a number."), field) from None
    if not amount.is_finite():
        raise _invalid(_l("Must be a number."), field)
    if amount < 0:
        raise _invalid(_l("Must be at least %(min)s.", min=0), field)
    if amount > MAX_AMOUNT:
        raise _invalid(_l("Must be at most %(max)s.", max=MAX_AMOUNT), field)
    return to_money(amount)


def _count(value, field: str) -> int | None:
    """An optional limit: a whole number of at least 1."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(_l("Must be a whole number."), field)
    if value < 1:
        raise _invalid(_l("Must be at least %(min)s.", min=1), field)
    if value > 10_000_000:
        raise _invalid(_l("Must be at most %(max)s.", max=10_000_000), field)
    return value


def _text(value, field: str, max_length: int, *, required: bool = False) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _invalid(_l("Must be text."), field)
    text = value.strip()
    if required and not text:
        raise _invalid(_l("This field is required."), field)
    if len(text) > max_length:
        raise _invalid(_l("Must be at most %(max)s characters.", max=max_length), field)
    return text or None


def _enum(kind, value, field: str):
    try:
        return kind(value)
    except ValueError:
        raise _invalid(_l("Choose one of the listed options."), field) from None


def check_coupon(data: dict[str, Any], coupon: Coupon | None = None) -> dict[str, Any]:
    """Every seed field, checked and normalised: a new coupon's fields, or an edit's (fields not
    in `data` keep the coupon's values). ShopError names the first field that is wrong."""
    unknown = set(data) - set(COUPON_FIELDS)
    if unknown:
        raise ShopError(field=sorted(unknown)[0])
    current = {name: getattr(coupon, name) for name in COUPON_FIELDS} if coupon is not None else dict(NEW_COUPON)
    raw = {**current, **data}
    values: dict[str, Any] = {}

    code = (raw.get("code") or "").strip().upper() if isinstance(raw.get("code"), str | None) else None
    if not code:
        raise _invalid(_l("This field is required."), "code")
    if not CODE_PATTERN.match(code):
        raise _invalid(_l("Use 2 to 50 capital letters, digits, hyphens or underscores."), "code")
    values["code"] = code
    values["name"] = _text(raw.get("name"), "name", 255, required=True)
    values["description"] = _text(raw.get("description"), "description", MAX_DESCRIPTION)
    values["type"] = kind = _enum(CouponType, raw.get("type"), "type")
    values["status"] = _enum(CouponStatus, raw.get("status"), "status")
    if not isinstance(raw.get("is_first_time_only"), bool):
        raise _invalid(_l("Must be true or false."), "is_first_time_only")
    values["is_first_time_only"] = raw["is_first_time_only"]

    if kind == CouponType.FREE_SHIPPING:
        values["value"] = ZERO  # the delivery charge is what it takes off
    else:
        value = _amount(raw.get("value"), "value", required=True)
        if value is None or value <= 0:  # None cannot happen: a required amount is given or refused
            raise _invalid(_l("Must be more than %(min)s.", min=0), "value")
        if kind == CouponType.PERCENTAGE and value > 100:
            raise _invalid(_l("A percentage must be at most 100."), "value")
        values["value"] = value
    max_discount = _amount(raw.get("max_discount"), "max_discount")
    if kind != CouponType.PERCENTAGE:
        if data.get("max_discount") is not None:
            raise _invalid(_l("Only percentage coupons have a maximum discount."), "max_discount")
        max_discount = None
    elif max_discount is not None and max_discount <= 0:
        raise _invalid(_l("Must be more than %(min)s.", min=0), "max_discount")
    values["max_discount"] = max_discount
    values["min_order_value"] = _amount(raw.get("min_order_value"), "min_order_value")

    limit = _count(raw.get("usage_limit"), "usage_limit")
    used = coupon.used_count if coupon is not None else 0
    if limit is not None and limit < used:
        raise _invalid(
            _l("This coupon has been used %(count)s times: the limit cannot be lower.", count=used), "usage_limit"
        )
    per_user = _count(raw.get("usage_limit_per_user"), "usage_limit_per_user")
    if limit is not None and per_user is not None and per_user > limit:
        raise _invalid(_l("The limit per customer cannot be more than the total limit."), "usage_limit_per_user")
    values["usage_limit"], values["usage_limit_per_user"] = limit, per_user

    values["applicable_products"] = _product_ids(raw.get("applicable_products"))
    values["applicable_categories"] = _category_slugs(raw.get("applicable_categories"))

    start, end = raw.get("start_date"), raw.get("end_date")
    for name, day in (("start_date", start), ("end_date", end)):
        if day is not None and (not isinstance(day, date) or isinstance(day, datetime)):
            raise _invalid(_l("Must be a date (YYYY-MM-DD)."), name)
    if start is not None and end is not None and end < start:
        raise _invalid(_l("The end date must be on or after the start date."), "end_date")
    values["start_date"], values["end_date"] = start, end
    return values


def _product_ids(value) -> list[int] | None:
    if not value:
        return None
    if not isinstance(value, list | tuple) or any(isinstance(i, bool) or not isinstance(i, int) for i in value):
        raise _invalid(_l("Must be a list of product ids."), "applicable_products")
    ids = sorted(set(value))
    if len(ids) > MAX_APPLICABLE:
        raise _invalid(_l("Choose at most %(max)s products.", max=MAX_APPLICABLE), "applicable_products")
    found = set(db.session.scalars(sa.select(Product.id).where(Product.id.in_(ids))))
    unknown = [str(i) for i in ids if i not in found]
    if unknown:
        raise _invalid(_l("Unknown products: %(ids)s.", ids=", ".join(unknown)), "applicable_products")
    return ids


def _category_slugs(value) -> list[str] | None:
    if not value:
        return None
    if not isinstance(value, list | tuple) or any(not isinstance(s, str) for s in value):
        raise _invalid(_l("Must be a list of category slugs."), "applicable_categories")
    slugs = sorted({s.strip() for s in value if s.strip()})
    if len(slugs) > MAX_APPLICABLE:
        raise _invalid(_l("Choose at most %(max)s categories.", max=MAX_APPLICABLE), "applicable_categories")
    found = set(db.session.scalars(sa.select(Category.slug).where(Category.slug.in_(slugs))))
    unknown = [s for s in slugs if s not in found]
    if unknown:
        raise _invalid(_l("Unknown categories: %(slugs)s.", slugs=", ".join(unknown)), "applicable_categories")
    return slugs or None


def coupon_snapshot(coupon: Coupon) -> dict[str, Any]:
    """A coupon's fields as the audit log's JSON keeps them."""
    return {name: plain(getattr(coupon, name)) for name in (*COUPON_FIELDS, "used_count")}


def get_coupon(coupon_id: int, *, lock: bool = False) -> Coupon:
    query = sa.select(Coupon).where(Coupon.id == coupon_id)
    if lock:
        query = query.with_for_update()
    coupon = db.session.scalar(query)
    if coupon is None:
        raise NotFound()
    return coupon


def _code_taken(code: str, coupon_id: int | None) -> bool:
    other = find_coupon(code)
    return other is not None and other.id != coupon_id


def create_coupon(data: dict[str, Any], *, actor: Actor) -> Coupon:
    values = check_coupon(data)
    if _code_taken(values["code"], None):
        raise CouponCodeTaken(field="code")
    coupon = Coupon(**values)
    db.session.add(coupon)
    _flush_unique_code()
    actor.record("coupon.create", "coupon", coupon.id, before=None, after=coupon_snapshot(coupon))
    db.session.commit()
    return coupon


def update_coupon(coupon_id: int, changes: dict[str, Any], *, actor: Actor) -> Coupon:
    """Change some fields; the coupon row is locked, so a concurrent order cannot push its uses
    past a lowered limit."""
    coupon = get_coupon(coupon_id, lock=True)
    values = check_coupon(changes, coupon)
    if _code_taken(values["code"], coupon.id):
        raise CouponCodeTaken(field="code")
    before = coupon_snapshot(coupon)
    for name, value in values.items():
        setattr(coupon, name, value)
    _flush_unique_code()
    after = coupon_snapshot(coupon)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        actor.record(
            "coupon.update",
            "coupon",
            coupon.id,
            before={n: before[n] for n in changed},
            after={n: after[n] for n in changed},
        )
    db.session.commit()
    return coupon


def _flush_unique_code() -> None:
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:  # the same code saved meanwhile
        db.session.rollback()
        raise CouponCodeTaken(field="code") from error


def delete_coupon(coupon_id: int, *, actor: Actor) -> None:
    """Delete a coupon that was never used (CouponInUse otherwise)."""
    coupon = get_coupon(coupon_id, lock=True)
    used = db.session.scalar(
        sa.select(sa.func.count()).select_from(CouponUsage).where(CouponUsage.coupon_id == coupon.id)
    )
    if coupon.used_count or used:
        raise CouponInUse(field="id")
    actor.record("coupon.delete", "coupon", coupon.id, before=coupon_snapshot(coupon), after=None)
    db.session.delete(coupon)
    db.session.commit()


def bulk_set_status(coupon_ids: Sequence[int], status: CouponStatus, *, actor: Actor) -> list[Coupon]:
    """Set the status of up to MAX_BULK coupons at once (all or nothing; NotFound for any
    unknown id). Each coupon that changes gets an audit entry."""
    status = _enum(CouponStatus, status, "status")
    ids = sorted(set(coupon_ids))
    if not ids:
        raise _invalid(_l("Choose at least one coupon."), "ids")
    if len(ids) > MAX_BULK:
        raise _invalid(_l("Choose at most %(max)s coupons at once.", max=MAX_BULK), "ids")
    coupons = list(
        db.session.scalars(sa.select(Coupon).where(Coupon.id.in_(ids)).order_by(Coupon.id).with_for_update())
    )
    if len(coupons) != len(ids):
        db.session.rollback()
        raise NotFound(field="ids")
    for coupon in coupons:
        if coupon.status != status:
            actor.record(
                "coupon.status",
                "coupon",
                coupon.id,
                before={"status": coupon.status.value},
                after={"status": status.value},
            )
            coupon.status = status
    db.session.commit()
    return coupons


@dataclass(frozen=True)
class CouponFilters:
    query: str = ""  # in the code or name
    status: CouponStatus | None = None
    type: CouponType | None = None


def list_coupons(filters: CouponFilters = CouponFilters(), *, page: int = 1, per_page: int = 20) -> Page:
    """Coupons matching the filters, newest first."""
    conditions = []
    if filters.status is not None:
        conditions.append(Coupon.status == filters.status)
    if filters.type is not None:
        conditions.append(Coupon.type == filters.type)
    if filters.query.strip():
        pattern = contains(filters.query.strip())
        conditions.append(sa.or_(Coupon.code.ilike(pattern, escape=ESCAPE), Coupon.name.ilike(pattern, escape=ESCAPE)))
    query = sa.select(Coupon).where(*conditions).order_by(Coupon.created_at.desc(), Coupon.id.desc())
    return paginate(query, page=page, per_page=per_page)


@dataclass(frozen=True)
class UsageRow:
    id: int
    used_at: datetime | None
    discount_amount: Decimal
    user_id: int | None
    user_email: str | None
    order_id: int | None
    order_number: str | None
    order_total: Decimal | None
    order_status: str | None


def coupon_usage(coupon_id: int, *, page: int = 1, per_page: int = 20) -> Page:
    """Who used the coupon, on which order and for how much, newest first."""
    get_coupon(coupon_id)
    page = max(1, page)
    total = (
        db.session.scalar(sa.select(sa.func.count()).select_from(CouponUsage).where(CouponUsage.coupon_id == coupon_id))
        or 0
    )
    query = (
        sa.select(CouponUsage, User.email, Order.order_number, Order.total, Order.status)
        .outerjoin(User, User.id == CouponUsage.user_id)
        .outerjoin(Order, Order.id == CouponUsage.order_id)
        .where(CouponUsage.coupon_id == coupon_id)
        .order_by(CouponUsage.used_at.desc(), CouponUsage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = [
        UsageRow(
            usage.id,
            usage.used_at,
            usage.discount_amount,
            usage.user_id,
            email,
            usage.order_id,
            number,
            order_total,
            status.value if status else None,
        )
        for usage, email, number, order_total, status in db.session.execute(query)
    ]
    return Page(rows, page, per_page, total)


@dataclass(frozen=True)
class CouponStats:
    uses: int  # usage rows (a cancelled order gives its use back)
    discount_given: Decimal
    orders: int  # orders with the coupon that were not cancelled or refunded
    revenue: Decimal  # their totals


COUNTED_ORDERS = Order.status.not_in([OrderStatus.CANCELLED, OrderStatus.REFUNDED])


def _money_sum(value) -> Decimal:
    """A SQL sum as money (SQLite sums REAL: rounded back to cents)."""
    return to_money(Decimal(str(value))) if value is not None else ZERO


def coupon_stats(coupon_id: int | None = None) -> CouponStats:
    """Uses, discount given and revenue of one coupon's orders, or of every coupon's."""
    usage = sa.select(sa.func.count(CouponUsage.id), sa.func.sum(CouponUsage.discount_amount))
    orders = sa.select(sa.func.count(Order.id), sa.func.sum(Order.total)).where(
        Order.id.in_(sa.select(CouponUsage.order_id).where(*_one(coupon_id))), COUNTED_ORDERS
    )
    uses, discount = db.session.execute(usage.where(*_one(coupon_id))).one()
    count, revenue = db.session.execute(orders).one()
    return CouponStats(uses or 0, _money_sum(discount), count or 0, _money_sum(revenue))


def _one(coupon_id: int | None) -> list:
    return [CouponUsage.coupon_id == coupon_id] if coupon_id is not None else []


@dataclass(frozen=True)
class CouponOverview:
    totals: CouponStats
    by_status: dict[str, int]
    top: list[tuple[Coupon, CouponStats]]


def coupons_overview(top: int = 5) -> CouponOverview:
    """All coupons: totals, how many in each status, and the most used."""
    by_status = {s.value: 0 for s in CouponStatus}
    by_status.update(
        {s.value: n for s, n in db.session.execute(sa.select(Coupon.status, sa.func.count()).group_by(Coupon.status))}
    )
    most_used = db.session.scalars(
        sa.select(Coupon)
        .join(CouponUsage, CouponUsage.coupon_id == Coupon.id)
        .group_by(Coupon.id)
        .order_by(sa.func.count(CouponUsage.id).desc(), Coupon.id)
        .limit(top)
    ).all()
    return CouponOverview(coupon_stats(), by_status, [(c, coupon_stats(c.id)) for c in most_used])
