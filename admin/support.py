"""Small pieces the admin pages share: who is acting, service errors on forms."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from shop.audit.actors import Actor


def actor() -> Actor:
    """The signed-in staff member, for the audit log."""
    return Actor.of(current_user, ip_address=request.remote_addr, request_id=g.get("request_id"))


def page_number() -> int:
    """?page=, at least 1 (anything else is page 1)."""
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() and len(value) < 7 else 1
