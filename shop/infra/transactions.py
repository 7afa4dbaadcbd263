"""One change, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Executable

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


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE and say how many rows it touched: conditional writes read their
    outcome from it (`Session.execute` is typed as returning a plain Result, which has no count)."""
    result = cast("CursorResult[Any]", db.session.execute(statement))
    return result.rowcount
