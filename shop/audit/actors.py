"""Who did it: the staff member behind a change, with where the request came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shop.audit.models import AuditLog
from shop.audit.services import record


@dataclass(frozen=True)
class Actor:
    """A staff member making changes; services record their audit entries through it."""

    id: int | None
    email: str | None
    ip_address: str | None = None
    request_id: str | None = None

    @classmethod
    def of(cls, user: Any, *, ip_address: str | None = None, request_id: str | None = None) -> Actor:
        """The actor for a signed-in user (a page's or a token's)."""
        return cls(getattr(user, "id", None), getattr(user, "email", None), ip_address, request_id)

    def record(
        self, action: str, entity_type: str, entity_id: Any, *, before: dict | None = None, after: dict | None = None
    ) -> AuditLog:
        """Add an audit entry to the current transaction (it commits with the change)."""
        return record(
            action,
            entity_type,
            entity_id,
            actor=self,
            before=before,
            after=after,
            ip_address=self.ip_address,
            request_id=self.request_id,
        )
