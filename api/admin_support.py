"""Pieces the staff JSON endpoints share: who is acting, money as strings, money input."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_jwt_extended import current_user
from marshmallow import ValidationError

from api.fields import MoneyInput, money
from shop.audit.actors import Actor


def actor() -> Actor:
    """The staff member behind this token, for the audit log."""
    return Actor.of(current_user, ip_address=request.remote_addr, request_id=g.get("request_id"))


class MoneyField(MoneyInput):
    """An amount as a string ("12.50") or a JSON number; kept as text for the service to check
    as a Decimal (a JSON number never becomes a float here)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        if value is None or value == "":
            return None
        return str(super()._deserialize(value, attr, data, **kwargs))


__all__ = ["MoneyField", "ValidationError", "actor", "money"]
