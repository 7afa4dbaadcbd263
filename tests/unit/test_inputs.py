"""The one validation layer for ids, text and dates (shop/infra/inputs.py), and the marshmallow
fields that carry it into every API schema (api/validation.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from marshmallow import Schema, ValidationError, fields

from api.validation import Id, id_list
from shop.infra.inputs import MAX_ID, BadDate, bad_json_field, has_bad_characters, parse_day, parse_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("2147483647", MAX_ID),
        ("2147483648", None),
        ("9223372036854775807", None),
        ("0", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("abc", None),
        ("٣", None),
        ("1e3", None),
    ],
)
def test_parse_id_takes_only_database_ids(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "\ud800", "x\udfffy"])
def test_nul_and_lone_surrogates_are_bad_characters(text):
    assert has_bad_characters(text)


@pytest.mark.parametrize("text", ["", "serum", "សេរ៉ូម", "emoji 😀", "tab\tnew\nline"])
def test_ordinary_text_is_fine(text):
    assert not has_bad_characters(text)


def test_bad_json_field_names_the_path():
    assert bad_json_field({"email": "a@b.cc", "password": "\ud800"}) == "password"
    assert bad_json_field({"items": [{"name": "ok"}, {"name": "a\x00"}]}) == "items[1].name"
    assert bad_json_field(["\x00"]) == "[0]"
    assert bad_json_field("\x00") == "body"
    assert bad_json_field({"fine": ["yes", 1, None, {"x": 2}]}) is None


def test_parse_day_keeps_dates_in_range():
    assert parse_day("2026-12-07") == date(2026, 12, 7)
    assert parse_day("") is None
    for raw in ("0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01", "2026-13-01", "soon"):
        with pytest.raises(BadDate) as caught:
            parse_day(raw, field="date_from")
        assert caught.value.field == "date_from"


class Sample(Schema):
    product_id = Id(required=True)
    ids = id_list(load_default=list)
    quantity = fields.Integer(load_default=1)
    name = fields.String(load_default="")
    day = fields.Date(load_default=None)
    moment = fields.DateTime(load_default=None)


def errors(data) -> dict:
    with pytest.raises(ValidationError) as caught:
        Sample().load(data)
    return caught.value.messages  # type: ignore[return-value]


def test_id_field_takes_ids_from_1_to_max():
    assert Sample().load({"product_id": MAX_ID, "ids": [1, 2]})["product_id"] == MAX_ID
    for bad in (0, -1, MAX_ID + 1, 9223372036854775807):
        assert "product_id" in errors({"product_id": bad})
    assert errors({"product_id": 1, "ids": [1, 2147483648]}) == {"ids": {1: ["This number is too large."]}}


def test_every_integer_field_refuses_numbers_past_32_bits():
    assert errors({"product_id": 1, "quantity": 2**31}) == {"quantity": ["This number is too large."]}
    assert errors({"product_id": 1, "quantity": -(2**31) - 1}) == {"quantity": ["This number is too large."]}
    assert Sample().load({"product_id": 1, "quantity": -(2**31)})["quantity"] == -(2**31)


def test_every_string_field_refuses_nul_and_lone_surrogates():
    for bad in ("a\x00", "\ud800"):
        assert errors({"product_id": 1, "name": bad}) == {"name": [str(BAD_TEXT_MESSAGE)]}
    assert Sample().load({"product_id": 1, "name": "សេរ៉ូម"})["name"] == "សេរ៉ូម"


def test_every_date_field_refuses_dates_out_of_range():
    for bad in ("0001-01-01", "9999-12-31"):
        assert errors({"product_id": 1, "day": bad}) == {"day": ["Must be a date from 1900-01-01 to 2100-12-31."]}
    assert "moment" in errors({"product_id": 1, "moment": "9999-12-31T23:59:59+00:00"})
    loaded = Sample().load({"product_id": 1, "day": "1970-05-01", "moment": "2026-12-07T10:00:00+07:00"})
    assert loaded["day"] == date(1970, 5, 1)
    assert isinstance(loaded["moment"], datetime)


BAD_TEXT_MESSAGE = "This contains a character that is not allowed (such as a NUL character)."
