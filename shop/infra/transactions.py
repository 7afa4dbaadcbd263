"""One change, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from shop.extensions import db

T = TypeVar("T")


def all_or_nothing(action: Callable[[], T]) -> T:
    """Run `action` (which commits its change); on any error roll the session back, so nothing
    is half written, and raise the error again."""
    try:
        return action()
    except Exception:
        db.session.rollback()
        raise
