"""Locale codes: the database's `kh` is Babel's `km`."""

from __future__ import annotations

import pytest
from babel import Locale, UnknownLocaleError

from shop.i18n import normalize_locale, to_db_language


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("kh", "km"),
        ("km", "km"),
        ("KM-kh", "km"),
        ("en", "en"),
        ("en-US", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_locale(code, expected):
    assert normalize_locale(code) == expected


def test_db_language_round_trip():
    assert to_db_language("km") == "kh"
    assert to_db_language("en") == "en"
    assert normalize_locale(to_db_language("km")) == "km"


def test_babel_knows_km_but_not_kh():
    assert Locale.parse("km").language == "km"
    with pytest.raises(UnknownLocaleError):
        Locale.parse("kh")
