"""Staff-only JSON endpoints: a valid access token of a staff member with the right role.

No or a bad token -> 401, a customer's token or a moderator on an admin-only endpoint -> 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from flask_jwt_extended import current_user, jwt_required

from shop.accounts.models import STAFF_ROLES, UserRole
from shop.errors import Forbidden


def _guard(roles: frozenset[UserRole]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @jwt_required()
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        cast(Any, wrapper).allowed_roles = roles
        return wrapper

    return decorator


staff_token_required = _guard(STAFF_ROLES)
admin_token_required = _guard(frozenset({UserRole.ADMIN}))
