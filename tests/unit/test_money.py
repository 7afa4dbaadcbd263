"""Money is Decimal, rounded half-up per line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.money import line_total, percent_of, to_money


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
