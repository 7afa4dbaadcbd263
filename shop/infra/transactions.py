"""One change, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, request
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


# ---------------------------------------------------------------- views that only read

READ_ONLY = "_reads_only"
V = TypeVar("V", bound=Callable[..., Any])


def reads_only(view: V) -> V:
    """Mark a view that never writes to the database (a listing, the product page): its GET
    requests run their statements without a transaction (autocommit; init_read_only_views)."""
    setattr(view, READ_ONLY, True)
    return view


def init_read_only_views(app: Flask) -> None:
    """A transaction costs two round trips to PostgreSQL (BEGIN, and ROLLBACK when the connection
    goes back to the pool) in a signed-in product page or listing of four to six. At READ
    COMMITTED, PostgreSQL's default, every statement already reads its own snapshot, so a view
    that only reads sees exactly the same rows without one: its GET requests take their
    connection in autocommit (given back as it was). A write there would commit statement by
    statement, so only views marked `reads_only` do this."""

    @app.before_request
    def _reads_without_a_transaction() -> None:
        if request.method not in ("GET", "HEAD") or request.endpoint is None:
            return
        view = app.view_functions.get(request.endpoint)
        if getattr(view, READ_ONLY, False) and not db.session().in_transaction():
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
