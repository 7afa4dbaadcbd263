"""The admin side menu. Each section registers its entry next to its views:

    menu.add("admin.reviews", _l("Reviews"), order=60)

and the layout shows the entries the signed-in staff member may open (from the view's roles).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: object  # a lazy string, translated when shown
    order: int


_entries: list[Entry] = []


def add(endpoint: str, label: object, *, order: int) -> None:
    """Put a page in the menu (once, at import time)."""
    if all(entry.endpoint != endpoint for entry in _entries):
        _entries.append(Entry(endpoint, label, order))
        _entries.sort(key=lambda entry: entry.order)


def visible() -> list[tuple[str, str, str]]:
    """(endpoint, url, label) of the entries the current user may open."""
    shown = []
    for entry in _entries:
        view = current_app.view_functions.get(entry.endpoint)
        roles = getattr(view, "allowed_roles", None)
        if view is None or not current_user.is_authenticated or (roles is not None and current_user.role not in roles):
            continue
        shown.append((entry.endpoint, url_for(entry.endpoint), str(entry.label)))
    return shown
