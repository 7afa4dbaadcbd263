"""Jobs used by the job tests: importable functions, as RQ needs."""

from __future__ import annotations

from shop.audit.models import AuditLog
from shop.extensions import db


def record_action(action: str) -> str:
    db.session.add(AuditLog(action=action, entity_type="test"))
    db.session.commit()
    return action


def fail(message: str) -> None:
    raise RuntimeError(message)


def record_tick() -> str:
    """A scheduled job for the scheduler tests."""
    return record_action("tick")
