"""Signing staff in (pages and tokens) and reading the audit log, for the admin tests."""

from __future__ import annotations

import sqlalchemy as sa

from api.tokens import issue_tokens
from shop.audit.models import AuditLog
from tests.api.helpers import bearer
from tests.web.test_account_pages import csrf_token, sign_in


def staff_page_client(client, user):
    """`client` signed in as `user` through the staff sign-in page."""
    response = client.post(
        "/admin/login",
        data={
            "email": user.email,
            "password": "correct-horse-battery",
            "csrf_token": csrf_token(client, "/admin/login"),
        },
    )
    assert response.status_code == 302, response.text
    return client


def token(user) -> dict:
    return bearer(issue_tokens(user)["access_token"])


def audit_entries(db, action: str | None = None) -> list[AuditLog]:
    db.session.expire_all()
    query = sa.select(AuditLog).order_by(AuditLog.id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    return list(db.session.scalars(query))


__all__ = ["audit_entries", "csrf_token", "sign_in", "staff_page_client", "token"]
