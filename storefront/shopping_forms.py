"""Forms of the cart, wishlist, checkout and order pages.

They only check the shape of the input (whole numbers, lengths, listed choices), each with an
explicit translatable message. The rules (stock, prices, coupons, delivery areas) are the
services'; a ShopError they raise goes on the field it names (`account_forms.show_service_error`).
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, StopValidation, ValidationError

from shop.orders.services import MAX_QUANTITY, PAYMENT_METHODS, offered_payment_methods
from web.account_forms import ADDRESS_LABELS, cambodian_phone_field, province_field
from web.forms import REQUIRED, MaxLength, email_address, strip, whole_number

QUANTITY_MESSAGE = _l("Choose a quantity from 1 to %(max)s.", max=MAX_QUANTITY)
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
ADDRESS_FIELDS = (
    "first_name", "last_name", "company", "address_line1", "address_line2", "province", "district", "commune",
    "landmark", "postal_code", "phone",
)  # fmt: skip


class Quantity:
    """A whole number from 1 to 99, typed in a text or number input."""

    field_flags = {"min": 1, "max": MAX_QUANTITY}

    def __call__(self, form, field) -> None:
        number = whole_number(field.data)
        if number is None or not 1 <= number <= MAX_QUANTITY:
            raise ValidationError(str(QUANTITY_MESSAGE))


def product_id(form, field) -> None:
    if whole_number(field.data) in (None, 0):
        raise ValidationError(_("This product is not available."))


def _quantity_field(default: str | None = "1"):
    return StringField(_l("Quantity"), default=default, filters=[strip], validators=[Quantity()])


class ActionForm(FlaskForm):
    """A button that changes something (remove, cancel, re-order): only the CSRF token."""

    next = HiddenField()


class AddToCartForm(FlaskForm):
    product_id = HiddenField(validators=[product_id])
    quantity = _quantity_field()
    next = HiddenField()
    # Added with variants: the size or shade chosen; none (a card's button) is the default or
    # the cheapest one in stock.
    variant_id = HiddenField()

    @property
    def product(self) -> int:
        return whole_number(self.product_id.data) or 0

    @property
    def variant(self) -> int | None:
        return whole_number(self.variant_id.data) or None

    @property
    def amount(self) -> int:
        return whole_number(self.quantity.data) or 0


class StockAlertForm(FlaskForm):
    """'Email me when it is back' on a sold-out size or shade (the email checks are the service's)."""

    variant_id = HiddenField(validators=[product_id])
    email = EmailField(_l("Email"), filters=[strip], validators=[Optional(), MaxLength(255)])

    @property
    def variant(self) -> int:
        return whole_number(self.variant_id.data) or 0


class QuantityForm(FlaskForm):
    """A cart line's new quantity (the − and + buttons are small forms of their own)."""

    quantity = _quantity_field(default=None)

    @property
    def amount(self) -> int:
        return whole_number(self.quantity.data) or 0


class CouponForm(FlaskForm):
    coupon_code = StringField(
        _l("Coupon code"), filters=[strip], validators=[DataRequired(_l("Enter a coupon code.")), MaxLength(50)]
    )


# ---------------------------------------------------------------- checkout

NEW_ADDRESS = "new"


class RequiredForNewAddress:
    """Required when the shopper delivers to a new address (the radio "new"), else ignored."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        if form.address_id.data == NEW_ADDRESS and not field.data:
            raise StopValidation(str(REQUIRED))


def _text(label, length: int, *, required: bool = False):
    validators = [RequiredForNewAddress()] if required else []
    return StringField(label, filters=[strip], validators=[*validators, Optional(), MaxLength(length)])


def _checkout_methods() -> dict:
    """The payment methods the checkout page offers (KHQR only when the shop has a KHQR account)."""
    return offered_payment_methods()


# What a KHQR payment can be made in (shop.payments.services.CURRENCIES).
PAYMENT_CURRENCIES = {"USD": _l("US dollars"), "KHR": _l("Riel")}


class CheckoutForm(FlaskForm):
    """Where and how to deliver. `address_id` is an address of the shopper's book, or "new" with
    the new address's fields (checked only then). The review and the placement post the same
    fields again, so the order placed is exactly the one reviewed."""

    # A StringField (not hidden) so service errors about it show next to the radio buttons.
    address_id = StringField(_l("Delivery address"))
    first_name = _text(ADDRESS_LABELS["first_name"], 100)
    last_name = _text(ADDRESS_LABELS["last_name"], 100)
    company = _text(ADDRESS_LABELS["company"], 100)
    phone = cambodian_phone_field(RequiredForNewAddress(), Optional())
    province = province_field(RequiredForNewAddress(), Optional())
    district = _text(ADDRESS_LABELS["district"], 100)
    commune = _text(ADDRESS_LABELS["commune"], 100)
    address_line1 = _text(ADDRESS_LABELS["address_line1"], 255, required=True)
    address_line2 = _text(ADDRESS_LABELS["address_line2"], 255)
    landmark = _text(ADDRESS_LABELS["landmark"], 255)
    postal_code = _text(ADDRESS_LABELS["postal_code"], 20)
    save_address = BooleanField(_l("Save this address in my address book"))
    shipping_method = RadioField(
        _l("Delivery"),
        choices=[],  # the methods of the address's zone (shop.delivery), checked by the service
        default="standard",
        validate_choice=False,
    )
    payment_method = RadioField(
        _l("Payment"),
        choices=[SelectChoice(code, label) for code, label in PAYMENT_METHODS.items()],
        default="cod",
        validate_choice=False,
    )
    currency = RadioField(
        _l("Pay by KHQR in"),
        choices=[SelectChoice(code, label) for code, label in PAYMENT_CURRENCIES.items()],
        default="USD",
        validate_choice=False,
    )
    notes = TextAreaField(_l("Notes for the courier"), filters=[strip], validators=[Optional(), MaxLength(1000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Chosen per request (KHQR needs the shop's KHQR account).
        self.payment_method.choices = [SelectChoice(code, label) for code, label in _checkout_methods().items()]

    @property
    def new_address(self) -> bool:
        return self.address_id.data == NEW_ADDRESS

    @property
    def book_address_id(self) -> int | None:
        return None if self.new_address else whole_number(self.address_id.data)

    def validate_address_id(self, field) -> None:
        if not self.new_address and not whole_number(field.data):
            raise ValidationError(_("Choose a delivery address."))

    def validate_shipping_method(self, field) -> None:
        if not field.data or len(field.data) > 30:
            raise ValidationError(_("Choose a delivery method."))

    def validate_payment_method(self, field) -> None:
        if field.data not in _checkout_methods():
            raise ValidationError(_("Choose a payment method."))

    def validate_currency(self, field) -> None:
        if self.payment_method.data == "khqr" and field.data not in PAYMENT_CURRENCIES:
            raise ValidationError(_("Choose US dollars or riel."))

    @property
    def khqr_currency(self) -> str:
        """What a KHQR order is charged in (a cash order is always in dollars)."""
        return self.currency.data if self.payment_method.data == "khqr" else "USD"

    def typed_address(self) -> dict:
        """The new address as typed (shop.accounts.addresses.clean_address checks it)."""
        return {name: self[name].data or None for name in ADDRESS_FIELDS}


class PlaceOrderForm(CheckoutForm):
    """The review's "Place order" button: the choices again, plus what the review showed."""

    expected_total = HiddenField()
    coupon_code = HiddenField(validators=[Optional(), MaxLength(50)])
    idempotency_key = HiddenField()

    def validate_expected_total(self, field) -> None:
        if not re.fullmatch(r"\d{1,10}\.\d{2}", field.data or ""):
            raise ValidationError(_("Please review your order again before placing it."))

    def validate_idempotency_key(self, field) -> None:
        if not IDEMPOTENCY_KEY.match(field.data or ""):
            raise ValidationError(_("Please review your order again before placing it."))


class RenewPaymentForm(FlaskForm):
    """The payment page's "Make a new QR" button, in dollars or riel."""

    currency = RadioField(
        _l("Pay in"),
        choices=[SelectChoice(code, label) for code, label in PAYMENT_CURRENCIES.items()],
        default="USD",
        validate_choice=False,
    )

    def validate_currency(self, field) -> None:
        if field.data not in PAYMENT_CURRENCIES:
            raise ValidationError(_("Choose US dollars or riel."))


class GuestDetailsMixin:
    """What a shopper without an account adds: the email for the confirmation (the name and
    phone are the delivery address's)."""

    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), MaxLength(255), email_address],
    )


class GuestCheckoutForm(GuestDetailsMixin, CheckoutForm):
    """Checkout without an account: always a new address."""


class GuestPlaceOrderForm(GuestDetailsMixin, PlaceOrderForm):
    """The guest review's "Place order"."""
