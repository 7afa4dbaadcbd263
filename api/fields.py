"""Serializer fields every JSON endpoint shares. Money is written here once.

`Money` is an amount as a string with two decimals ("12.50"): JSON numbers are floats in most
clients, and money must never become one. `money(value)` is the same rule for payloads built
as dicts; the OpenAPI document shows every such field as a string of format `decimal`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import fields

from shop.money import to_money
from web.messages import translatable as _m

MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"
# What an amount sent to the API may look like as a string (a JSON number is taken too).
AMOUNT_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,12})?$"


def money(value: Any) -> str | None:
    """An amount as the API writes it: two decimals, half-up ("12.50"); None stays None."""
    if value is None:
        return None
    return f"{to_money(value if isinstance(value, Decimal | int | str) else Decimal(str(value))):.2f}"


def read_amount(value: Any) -> Decimal | None:
    """An amount sent as a string matching AMOUNT_PATTERN or as a JSON number; None when it is
    neither (never a float: a JSON number is read from its text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return Decimal(value) if re.fullmatch(AMOUNT_PATTERN, value) else None
    if isinstance(value, int | float | Decimal):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return None
        return amount if amount.is_finite() else None
    return None


class Money(fields.Field):
    """A Decimal amount, written as a string with two decimals ("12.50"), the one way the API
    writes money; read from such a string or a JSON number."""

    default_error_messages = {"invalid": _m("Enter an amount such as 12.50.")}
    DOC: dict[str, Any] = {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "12.50"}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {**self.DOC, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return money(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        amount = read_amount(value)
        if amount is None:
            raise self.make_error("invalid")
        return amount


class MoneyInput(Money):
    """Money in a request body: the document says what is taken (a string such as "12.50" or a
    JSON number)."""

    DOC = {
        "anyOf": [{"type": "string", "pattern": AMOUNT_PATTERN}, {"type": "number"}],
        "example": "12.50",
    }
