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


RIEL_STEP = Decimal(100)


def usd_to_khr(amount: Decimal, rate: Decimal) -> int:
    """Dollars in whole riel at `rate` riel per dollar, rounded half-up to the nearest 100 riel
    (away from zero for negative amounts). 100 riel is the smallest note in use, so it is the
    riel the shop shows beside every dollar price and the riel a shopper pays by KHQR in KHR:
    both must be this same figure. Only Decimal (or int) is taken: a float is refused."""
    for value in (amount, rate):
        if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"riel conversion takes Decimal, not {type(value).__name__}")
    if not rate > 0:
        raise ValueError("the riel rate must be more than 0")
    hundreds = (Decimal(amount) * Decimal(rate) / RIEL_STEP).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(hundreds) * int(RIEL_STEP)
