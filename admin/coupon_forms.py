"""The coupon form: every field of the seed's coupon. It checks the shape of the input (numbers,
dates, ids) with translatable messages; the coupon rules (value ranges by type, limits, known
products and categories, dates in order, a free code) are shop.coupons.services.check_coupon's."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from shop.coupons.services import MAX_DESCRIPTION
from web.forms import CHOOSE_LISTED, REQUIRED, DayField, MaxLength, one_of, strip, whole_number

TYPE_LABELS = {
    "percentage": _l("Percentage off"),
    "fixed": _l("Fixed amount off"),
    "free_shipping": _l("Free delivery"),
}
STATUS_LABELS = {"active": _l("Active"), "inactive": _l("Inactive"), "expired": _l("Expired")}


def decimal_or_none(text: str | None) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def amount(form, field) -> None:
    if (field.data or "").strip() and decimal_or_none(field.data) is None:
        raise ValidationError(_("Must be a number."))


def whole(form, field) -> None:
    if (field.data or "").strip() and whole_number(field.data) is None:
        raise ValidationError(_("Must be a whole number."))


def id_list(form, field) -> None:
    if any(whole_number(part) is None for part in _parts(field.data)):
        raise ValidationError(_("Enter product ids separated by commas, e.g. 12, 15."))


def _parts(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _choices(labels: dict):
    return lambda: [SelectChoice(value, label) for value, label in labels.items()]


class CouponForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=[DataRequired(REQUIRED), MaxLength(50)])
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(REQUIRED), MaxLength(255)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Optional(), MaxLength(MAX_DESCRIPTION)])
    type = SelectField(
        _l("Type"), choices=_choices(TYPE_LABELS), validate_choice=False, validators=[one_of(tuple(TYPE_LABELS))]
    )
    value = StringField(_l("Value"), filters=[strip], validators=[Optional(), MaxLength(20), amount])
    max_discount = StringField(_l("Maximum discount"), filters=[strip], validators=[Optional(), MaxLength(20), amount])
    min_order_value = StringField(
        _l("Minimum order value"), filters=[strip], validators=[Optional(), MaxLength(20), amount]
    )
    usage_limit = StringField(_l("Total uses allowed"), filters=[strip], validators=[Optional(), MaxLength(9), whole])
    usage_limit_per_user = StringField(
        _l("Uses allowed per customer"), filters=[strip], validators=[Optional(), MaxLength(9), whole]
    )
    applicable_products = StringField(
        _l("Only these products (ids)"), filters=[strip], validators=[Optional(), MaxLength(3000), id_list]
    )
    applicable_categories = SelectMultipleField(_l("Only these categories"), choices=[], validate_choice=False)
    status = SelectField(
        _l("Status"),
        choices=_choices(STATUS_LABELS),
        validate_choice=False,
        validators=[one_of(tuple(STATUS_LABELS))],
    )
    is_first_time_only = BooleanField(_l("First order only"))
    start_date = DayField(
        _l("Starts on"), validators=[Optional()], invalid_value_message=_l("Must be a date (YYYY-MM-DD).")
    )
    end_date = DayField(
        _l("Ends on"), validators=[Optional()], invalid_value_message=_l("Must be a date (YYYY-MM-DD).")
    )

    def __init__(self, *args, categories=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.applicable_categories.choices = [SelectChoice(c.slug, c.name) for c in categories]
        self._slugs = {c.slug for c in categories}

    def validate_applicable_categories(self, field) -> None:
        if any(slug not in self._slugs for slug in field.data or []):
            raise ValidationError(str(CHOOSE_LISTED))

    def fill(self, coupon) -> None:
        """Show a coupon's values (GET of the edit page)."""
        for name in ("code", "name", "description", "is_first_time_only", "start_date", "end_date"):
            getattr(self, name).data = getattr(coupon, name)
        self.type.data, self.status.data = coupon.type.value, coupon.status.value
        for name in ("value", "max_discount", "min_order_value", "usage_limit", "usage_limit_per_user"):
            value = getattr(coupon, name)
            getattr(self, name).data = "" if value is None else str(value)
        self.applicable_products.data = ", ".join(str(i) for i in coupon.applicable_products or [])
        self.applicable_categories.data = list(coupon.applicable_categories or [])

    def values(self) -> dict:
        """The fields for shop.coupons.services (create_coupon / update_coupon)."""
        return {
            "code": self.code.data,
            "name": self.name.data,
            "description": self.description.data or None,
            "type": self.type.data,
            "value": decimal_or_none(self.value.data),
            "max_discount": decimal_or_none(self.max_discount.data),
            "min_order_value": decimal_or_none(self.min_order_value.data),
            "usage_limit": whole_number(self.usage_limit.data),
            "usage_limit_per_user": whole_number(self.usage_limit_per_user.data),
            "applicable_products": [whole_number(p) for p in _parts(self.applicable_products.data)] or None,
            "applicable_categories": list(self.applicable_categories.data or []) or None,
            "status": self.status.data,
            "is_first_time_only": bool(self.is_first_time_only.data),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
        }
