"""Cambodian phone numbers: one normaliser for every door.

Couriers call the shopper, so a delivery phone must be a real Cambodian number. Shoppers type it
in many ways (`012 345 678`, `+855 12 345 678`, `855-12-345-678`, in Khmer digits `០១២ ៣៤៥ ៦៧៨`);
it is stored once, as E.164 (`+85512345678`), so that searching, counting a guest's coupon uses
and looking up an order all compare like with like.
"""

from __future__ import annotations

import phonenumbers
from flask_babel import lazy_gettext as _l

from shop.errors import ShopError

CAMBODIA = "KH"
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


class InvalidPhone(ShopError):
    code = "invalid_phone"
    default_message = _l("Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678.")


def normalize_phone(text: str | None, *, field: str = "phone") -> str:
    """The number as E.164 (`+85512345678`), or InvalidPhone when it is not a valid Cambodian
    number (a foreign number, too few digits, letters)."""
    raw = (text or "").translate(KHMER_DIGITS).strip()
    if not raw or len(raw) > 30:
        raise InvalidPhone(field=field)
    try:
        number = phonenumbers.parse(raw, CAMBODIA)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(field=field) from error
    if number.country_code != 855 or not phonenumbers.is_valid_number_for_region(number, CAMBODIA):
        raise InvalidPhone(field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_or_none(text: str | None, *, field: str = "phone") -> str | None:
    """Like normalize_phone, but an empty value is None (for optional phone fields)."""
    return normalize_phone(text, field=field) if (text or "").strip() else None


def display_phone(e164: str | None) -> str:
    """How a stored number is shown to people in Cambodia: `012 345 678`."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, CAMBODIA)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
