"""Recording staff actions."""

from __future__ import annotations

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
