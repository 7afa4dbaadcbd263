"""Money is Decimal, rounded half-up per line; riel is whole riel, half-up to 100 riel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.money import line_total, percent_of, to_money, usd_to_khr


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.005", "1.01"), ("1.004", "1.00"), ("2.675", "2.68"), (3, "3.00"), (Decimal("-1.005"), "-1.01")],
)
def test_to_money_rounds_half_up(value, expected):
    assert to_money(value) == Decimal(expected)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_money(0.1)


def test_line_total():
    assert line_total(Decimal("3.33"), 3) == Decimal("9.99")
    assert line_total(Decimal("19.995"), 2) == Decimal("40.00")


def test_percent_of():
    assert percent_of(Decimal("33.33"), Decimal("10")) == Decimal("3.33")
    assert percent_of(Decimal("0.05"), Decimal("10")) == Decimal("0.01")
    assert percent_of(Decimal("19.99"), Decimal("15")) == Decimal("3.00")


RATE = Decimal("4100")


@pytest.mark.parametrize(
    ("dollars", "riel"),
    [
        ("0", 0),
        ("0.01", 0),  # 41 riel: under half of 100
        ("0.02", 100),  # 82 riel
        ("18.00", 73_800),
        ("18.25", 74_800),  # 74,825 riel: 25 is under half
        ("1.50", 6_200),  # 6,150 riel: exactly half goes up
        ("0.37", 1_500),  # 1,517 riel
        ("-18.25", -74_800),
        ("99999999.99", 410_000_000_000),  # the largest NUMERIC(12,2) total
        ("123456789.99", 506_172_839_000),
    ],
)
def test_usd_to_khr_rounds_half_up_to_100_riel(dollars, riel):
    assert usd_to_khr(Decimal(dollars), RATE) == riel
    assert type(usd_to_khr(Decimal(dollars), RATE)) is int


def test_usd_to_khr_follows_the_rate():
    assert usd_to_khr(Decimal("10"), Decimal("4000")) == 40_000
    assert usd_to_khr(Decimal("18.25"), Decimal("4012.5")) == 73_200  # 73,228.125 riel
    assert usd_to_khr(3, RATE) == 12_300  # a whole number of dollars is exact too


@pytest.mark.parametrize(("amount", "rate"), [(18.25, RATE), (Decimal("18.25"), 4100.0), ("18.25", RATE), (True, RATE)])
def test_usd_to_khr_takes_decimals_only(amount, rate):
    with pytest.raises(TypeError):
        usd_to_khr(amount, rate)


@pytest.mark.parametrize("rate", [Decimal("0"), Decimal("-4100")])
def test_usd_to_khr_refuses_a_rate_of_zero_or_less(rate):
    with pytest.raises(ValueError):
        usd_to_khr(Decimal("1"), rate)
