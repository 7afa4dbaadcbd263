"""Who may open which admin page: staff only, some pages for admins only.

Anonymous visitors go to the staff sign-in, customers get 403, and a moderator gets 403 on a
page for admins. The JSON API uses the same roles (api/admin_access.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.models import STAFF_ROLES, UserRole


def _guard(roles: frozenset[UserRole]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                flash(_("Please sign in with your staff account."), "info")
                return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        cast(Any, wrapper).allowed_roles = roles  # read by the permission-matrix test and the admin menu
        return wrapper

    return decorator


staff_required = _guard(STAFF_ROLES)
"""Any staff member: admins and moderators."""

admin_required = _guard(frozenset({UserRole.ADMIN}))
"""Admins only."""


def can(role_names: frozenset[UserRole]) -> bool:
    """Whether the signed-in user holds one of `role_names` (for menus and buttons)."""
    return current_user.is_authenticated and current_user.role in role_names
