"""Cambodian phone numbers: every way a shopper types one is stored as the same E.164 number."""

from __future__ import annotations

import pytest

from shop.accounts.phones import InvalidPhone, display_phone, normalize_phone, phone_or_none


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("012 345 678", "+85512345678"),
        ("+855 12 345 678", "+85512345678"),
        ("855 12 345 678", "+85512345678"),
        ("+855 (0)12 345 678", "+85512345678"),
        ("(012) 345-678", "+85512345678"),
        ("012345678", "+85512345678"),
        ("០១២ ៣៤៥ ៦៧៨", "+85512345678"),
        ("+៨៥៥ ១២ ៣៤៥ ៦៧៨", "+85512345678"),
        ("0969 123 456", "+855969123456"),
        ("097 777 7777", "+855977777777"),
        ("088 555 5555", "+855885555555"),
        ("071 234 5678", "+855712345678"),
        ("023 990 123", "+85523990123"),  # a Phnom Penh landline
        ("  +85512345678  ", "+85512345678"),
    ],
)
def test_cambodian_numbers_are_stored_as_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "+1 202 555 0123",  # the United States
        "+66 81 234 5678",  # Thailand
        "+84 91 234 5678",  # Vietnam
        "12345",
        "012 345",
        "0123456789012345",
        "call me",
        "",
        "   ",
        None,
        "1" * 40,
    ],
)
def test_anything_else_is_refused_with_a_message_on_the_field(typed):
    with pytest.raises(InvalidPhone) as refused:
        normalize_phone(typed, field="guest_phone")
    assert refused.value.field == "guest_phone"
    assert str(refused.value.message) == "Enter a Cambodian phone number, e.g. 012 345 678 or +855 12 345 678."


def test_optional_phone_is_none_when_empty_and_checked_when_not():
    assert phone_or_none("  ") is None
    assert phone_or_none("012345678") == "+85512345678"
    with pytest.raises(InvalidPhone):
        phone_or_none("+1 202 555 0123")


def test_stored_numbers_are_shown_the_cambodian_way():
    assert display_phone("+85512345678") == "012 345 678"
    assert display_phone("+855969123456") == "096 912 3456"
    assert display_phone(None) == ""
