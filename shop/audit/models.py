"""Table `audit_logs` (migration 0002; the seed has none)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model
from shop.infra.columns import JSONType, created_at


class AuditLog(Model):
    __tablename__ = "audit_logs"
    __table_args__ = (
        sa.Index("idx_audit_logs_entity", "entity_type", "entity_id"),
        sa.Index("idx_audit_logs_created_at", "created_at"),
        sa.Index("idx_audit_logs_actor_id", "actor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Kept as text too, so the log still says who it was after the user is deleted.
    actor_email: Mapped[str | None] = mapped_column(sa.String(255))
    action: Mapped[str] = mapped_column(sa.String(100))
    entity_type: Mapped[str] = mapped_column(sa.String(50))
    entity_id: Mapped[str | None] = mapped_column(sa.String(50))
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = created_at()
