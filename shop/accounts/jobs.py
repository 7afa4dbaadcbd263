"""Account emails, sent by RQ jobs after the transaction commits, in the user's language."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop.accounts.models import User
from shop.extensions import db
from shop.i18n import normalize_locale
from shop.infra.columns import utcnow
from shop.infra.transactions import rows_changed
from shop.infra.urls import external_url
from shop.jobs import retried
from shop.mail import send_email


def _send(user: User, template: str, subject, **context) -> None:
    locale = normalize_locale(user.language.value) or "en"
    with force_locale(locale):
        context = {"user": user, "locale": locale, **context}
        send_email(
            user.email,
            str(subject),
            render_template(f"email/{template}.txt", **context),
            render_template(f"email/{template}.html", **context),
        )


@retried("MAIL_RETRY_INTERVALS")
def send_verification_email(user_id: int, raw_token: str) -> None:
    """The 'confirm your email' message with its single-use link."""
    user = db.session.get(User, user_id)
    if user is None or user.email_verified:
        return
    link = external_url("storefront.verify_email", token=raw_token)
    _send(user, "verify_email", _l("Confirm your email address"), link=link)


@retried("MAIL_RETRY_INTERVALS")
def send_password_reset_email(user_id: int, raw_token: str) -> None:
    """The password reset link (valid for one hour, once)."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return
    link = external_url("storefront.reset_password", token=raw_token)
    _send(user, "reset_password", _l("Reset your password"), link=link)


@retried("MAIL_RETRY_INTERVALS")
def send_password_changed_email(user_id: int) -> None:
    """Tell the user their password changed, in case it was not them."""
    user = db.session.get(User, user_id)
    if user is None:
        return
    link = external_url("storefront.forgot_password")
    _send(user, "password_changed", _l("Your password was changed"), link=link)


def clear_expired_tokens() -> dict[str, int]:
    """The nightly clean-up (shop.scheduling): forget verification and reset tokens whose time
    is over. Their links were refused already; this keeps no dead secrets. Idempotent."""
    now = utcnow()
    verification = rows_changed(
        sa.update(User)
        .where(User.email_verification_expires < now)
        .values(email_verification_token=None, email_verification_expires=None)
    )
    reset = rows_changed(
        sa.update(User)
        .where(User.password_reset_expires < now)
        .values(password_reset_token=None, password_reset_expires=None)
    )
    db.session.commit()
    return {"verification_tokens": verification, "reset_tokens": reset}
