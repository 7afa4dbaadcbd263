"""Forms of the account pages (and the staff login).

Every validator carries an explicit translatable message (WTForms ships no Khmer), and the
lengths follow the database columns (shop/accounts/models.py). The account rules themselves
(password policy, unique email, tokens) live in shop.accounts.services; a ShopError it raises is
shown on the field it names with `show_service_error`.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Optional, ValidationError

from shop.accounts.addresses import UnknownProvince
from shop.accounts.models import ADDRESS_TYPES, GENDERS
from shop.accounts.passwords import MAX_LENGTH as PASSWORD_MAX
from shop.accounts.passwords import MIN_LENGTH as PASSWORD_MIN
from shop.accounts.phones import InvalidPhone, normalize_phone
from shop.accounts.provinces import find_province, province_choices
from shop.catalog.models import SkinType
from shop.catalog.vocab import SKIN_TYPE_LABELS
from web.forms import REQUIRED, DayField, MaxLength, email_field, one_of, strip

PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{6,20}$")
# Skin types a person can have ("all" only describes products).
PERSON_SKIN_TYPES = tuple(s.value for s in SkinType if s is not SkinType.ALL)
# Language names are endonyms: the same in every locale, so not translated.
LANGUAGE_CHOICES = (SelectChoice("en", "English"), SelectChoice("kh", "ខ្មែរ"))
OLDEST_BIRTH_DATE = date(1900, 1, 1)


# ---------------------------------------------------------------- validators


class PasswordLength:
    """The policy's length limits, in the service's own words. The rest of the policy
    (common passwords, not the email) is checked by the service."""

    field_flags = {"minlength": PASSWORD_MIN, "maxlength": PASSWORD_MAX}

    def __call__(self, form, field) -> None:
        if len(field.data or "") < PASSWORD_MIN:
            raise ValidationError(_("Use at least 8 characters."))
        if len(field.data or "") > PASSWORD_MAX:
            raise ValidationError(_("Use at most 128 characters."))


def phone_number(form, field) -> None:
    if field.data and not PHONE_PATTERN.match(field.data):
        raise ValidationError(_("Enter a phone number, e.g. +855 12 345 678."))


def cambodian_phone(form, field) -> None:
    """The domain's own rule (shop.accounts.phones), so what passes here is what is stored."""
    if field.data:
        try:
            normalize_phone(field.data)
        except InvalidPhone as error:
            raise ValidationError(str(error.message)) from error


def province_code(form, field) -> None:
    if field.data and find_province(field.data) is None:
        raise ValidationError(str(UnknownProvince.default_message))


def past_birth_date(form, field) -> None:
    if field.data and not (OLDEST_BIRTH_DATE <= field.data < date.today()):
        raise ValidationError(_("Enter your real date of birth."))


# ---------------------------------------------------------------- fields


def new_password_field(label):
    return PasswordField(label, validators=[DataRequired(REQUIRED), PasswordLength()])


def confirm_field(other: str):
    return PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(REQUIRED), EqualTo(other, message=_l("The two passwords are not the same."))],
    )


def _optional_text(label, length: int):
    return StringField(label, filters=[strip], validators=[Optional(), MaxLength(length)])


def _required_text(label, length: int):
    return StringField(label, filters=[strip], validators=[DataRequired(REQUIRED), MaxLength(length)])


def _phone_field():
    return TelField(_l("Phone"), filters=[strip], validators=[Optional(), MaxLength(20), phone_number])


def _select(label, choices, values):
    return SelectField(label, choices=choices, validate_choice=False, validators=[one_of(values)])


# ---------------------------------------------------------------- forms


class RegisterForm(FlaskForm):
    first_name = _optional_text(_l("First name"), 100)
    last_name = _optional_text(_l("Last name"), 100)
    email = email_field()
    password = new_password_field(_l("Password"))
    confirm = confirm_field("password")


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), MaxLength(PASSWORD_MAX)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class EmailForm(FlaskForm):
    """Forgot password, resend the verification link."""

    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = confirm_field("password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(REQUIRED), MaxLength(PASSWORD_MAX)]
    )
    new_password = new_password_field(_l("New password"))
    confirm = confirm_field("new_password")


def _gender_choices():
    labels = {"": _l("Prefer not to say"), "male": _l("Male"), "female": _l("Female"), "other": _l("Other")}
    return [SelectChoice(value, label) for value, label in labels.items()]


def _skin_type_choices():
    return [SelectChoice(value, SKIN_TYPE_LABELS[value]) for value in PERSON_SKIN_TYPES]


class ProfileForm(FlaskForm):
    first_name = _optional_text(_l("First name"), 100)
    last_name = _optional_text(_l("Last name"), 100)
    phone = _phone_field()
    date_of_birth = DayField(
        _l("Date of birth"),
        validators=[Optional(), past_birth_date],
        invalid_value_message=_l("Must be a date (YYYY-MM-DD)."),
    )
    gender = _select(_l("Gender"), _gender_choices, ("", None, *GENDERS))
    skin_type = _select(_l("Skin type"), _skin_type_choices, PERSON_SKIN_TYPES)
    language = _select(_l("Language for emails and pages"), LANGUAGE_CHOICES, [c.value for c in LANGUAGE_CHOICES])

    def changes(self) -> dict:
        """The values for services.update_profile; empty optional fields are cleared."""
        return {
            "first_name": self.first_name.data or None,
            "last_name": self.last_name.data or None,
            "phone": self.phone.data or None,
            "date_of_birth": self.date_of_birth.data,
            "gender": self.gender.data or None,
            "skin_type": self.skin_type.data,
            "language": self.language.data,
        }


def _address_type_choices():
    return [
        SelectChoice("shipping", _l("Shipping (where we deliver)")),
        SelectChoice("billing", _l("Billing (for invoices)")),
    ]


def _province_choices():
    return [SelectChoice("", _("Choose a province")), *(SelectChoice(c, n) for c, n in province_choices())]


def cambodian_phone_field(*validators):
    """The phone the rider calls: required, a Cambodian number (Khmer digits too)."""
    return TelField(
        _l("Phone"),
        filters=[strip],
        validators=[*(validators or [DataRequired(REQUIRED)]), MaxLength(30), cambodian_phone],
    )


def province_field(*validators):
    return SelectField(
        _l("Province or city"),
        choices=_province_choices,
        validate_choice=False,
        validators=[*(validators or [DataRequired(REQUIRED)]), province_code],
    )


ADDRESS_LABELS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "company": _l("Company"),
    "address_line1": _l("House number and street"),
    "address_line2": _l("Village, building or floor"),
    "district": _l("Khan or district"),
    "commune": _l("Sangkat or commune"),
    "landmark": _l("Landmark for the rider"),
    "postal_code": _l("Postal code"),
}


class AddressForm(FlaskForm):
    type = _select(_l("Address type"), _address_type_choices, ADDRESS_TYPES)
    first_name = _optional_text(ADDRESS_LABELS["first_name"], 100)
    last_name = _optional_text(ADDRESS_LABELS["last_name"], 100)
    company = _optional_text(ADDRESS_LABELS["company"], 100)
    phone = cambodian_phone_field()
    province = province_field()
    district = _optional_text(ADDRESS_LABELS["district"], 100)
    commune = _optional_text(ADDRESS_LABELS["commune"], 100)
    address_line1 = _required_text(ADDRESS_LABELS["address_line1"], 255)
    address_line2 = _optional_text(ADDRESS_LABELS["address_line2"], 255)
    landmark = _optional_text(ADDRESS_LABELS["landmark"], 255)
    postal_code = _optional_text(ADDRESS_LABELS["postal_code"], 20)
    is_default = BooleanField(_l("Make this my default address of this type"))

    FIELDS = (
        "type", "first_name", "last_name", "company", "address_line1", "address_line2", "province", "district",
        "commune", "landmark", "postal_code", "phone",
    )  # fmt: skip

    def values(self) -> dict:
        """The values for services.add_address / update_address. Unticking "default" never
        takes the default away (another address has to become the default instead)."""
        data = {name: getattr(self, name).data or None for name in self.FIELDS}
        if self.is_default.data:
            data["is_default"] = True
        return data
