"""Recording staff actions."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

from shop.audit.models import AuditLog
from shop.extensions import db


def record(
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    actor: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    ip_address: str | None = None,
    request_id: str | None = None,
) -> AuditLog:
    """Add an audit entry to the current transaction; it commits with the change it describes."""
    entry = AuditLog(
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        before=before,
        after=after,
        ip_address=ip_address,
        request_id=request_id,
    )
    db.session.add(entry)
    return entry


def plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it: enums by value, money as "12.50", dates and
    times in ISO 8601, sequences as lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
