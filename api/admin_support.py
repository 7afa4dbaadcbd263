"""Pieces the staff JSON endpoints share: who is acting, money as strings, money input."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, request
from flask_jwt_extended import current_user
from marshmallow import ValidationError, fields

from shop.audit.actors import Actor
from web.messages import translatable as _m


def actor() -> Actor:
    """The staff member behind this token, for the audit log."""
    return Actor.of(current_user, ip_address=request.remote_addr, request_id=g.get("request_id"))


def money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


class MoneyField(fields.Field):
    """An amount as a string ("12.50") or a JSON number; kept as text for the service to check
    as a Decimal (a JSON number never becomes a float here)."""

    default_error_messages = {"invalid": _m("Enter an amount such as 12.50.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.make_error("invalid")
        text = str(value).strip()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not amount.is_finite():
            raise self.make_error("invalid")
        return text

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return money(value)


__all__ = ["MoneyField", "ValidationError", "actor", "money"]
