"""LIKE patterns for substring searches typed by people."""

from __future__ import annotations

ESCAPE = "\\"


def contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its `%`, `_` and `\\` taken literally; use it with
    `escape=ESCAPE`."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
