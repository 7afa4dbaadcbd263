"""Decimal money helpers. Formatting happens at the edge (templates, JSON), never here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to cents, half-up. Floats are refused: they cannot hold cents exactly."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    """Unit price times quantity, rounded per line."""
    return to_money(to_money(unit_price) * quantity)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """`percent`% of `amount`, rounded half-up to the cent."""
    return to_money(to_money(amount) * Decimal(percent) / Decimal(100))
