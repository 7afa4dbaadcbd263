"""The SQL a block of a test sends, for tests that count round trips or check what was read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def sent_statements(engine: sa.Engine, containing: str | None = None) -> Iterator[list[str]]:
    """The statements `engine` sends while the block runs (only those naming `containing`, if
    given), in order; the list is filled as they go."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if containing is None or containing in statement:
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
