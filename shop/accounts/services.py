"""Accounts: registration, sign-in, email verification, password reset and change, profile,
address book. Every door (pages, JSON API, admin) goes through these functions."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.accounts import jobs
from shop.accounts.addresses import clean_address
from shop.accounts.models import (
    ADDRESS_TYPES,
    EMAIL_REGEX,
    GENDERS,
    SNAPSHOT_FIELDS,
    Language,
    User,
    UserAddress,
    UserRole,
)
from shop.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from shop.accounts.phones import phone_or_none
from shop.catalog.models import SkinType
from shop.errors import Conflict, Forbidden, NotFound, ShopError, TooManyAttempts, Unauthorized
from shop.extensions import db
from shop.infra import attempts
from shop.infra.columns import utcnow
from shop.jobs import enqueue
from shop.orders import guests

RESET_TOKEN_LIFETIME = timedelta(hours=1)
VERIFY_TOKEN_LIFETIME = timedelta(hours=48)
LOGIN_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_IP = 20
MAX_FAILURES_PER_ACCOUNT = 5

PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 8 characters."),
    "too_long": _l("Use at most 128 characters."),
    "common": _l("This password is too common. Choose one that is harder to guess."),
    "is_email": _l("Your password must not be your email address."),
}


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    default_message = _l("The email or password is not correct.")


class AccountSuspended(Forbidden):
    code = "account_suspended"
    default_message = _l("This account is suspended. Please contact us.")


class NotStaff(Forbidden):
    code = "not_staff"
    default_message = _l("This account is not a staff account.")


class EmailTaken(Conflict):
    code = "email_taken"
    default_message = _l("An account with this email already exists.")


class InvalidEmail(ShopError):
    code = "invalid_email"
    default_message = _l("Enter a valid email address, like name@example.com.")


class WeakPassword(ShopError):
    code = "weak_password"


class InvalidToken(ShopError):
    code = "invalid_token"
    default_message = _l("This link is invalid or has already been used.")


class ExpiredToken(ShopError):
    code = "expired_token"
    default_message = _l("This link has expired. Please ask for a new one.")


def normalize_email(email: str) -> str:
    """Emails are compared and stored trimmed and lower-cased."""
    return email.strip().lower()


_EMAIL = re.compile(EMAIL_REGEX, re.IGNORECASE)


def check_email(email: str) -> str:
    """The normalized email, or InvalidEmail when the database's own rule would refuse it."""
    email = normalize_email(email)
    if len(email) > 255 or not _EMAIL.match(email):
        raise InvalidEmail(field="email")
    return email


def _token() -> tuple[str, str]:
    """A random single-use token and the hash we store (the raw one only goes in the email)."""
    raw = secrets.token_urlsafe(32)
    return raw, _hash_token(raw)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def check_password(password: str, *, email: str | None = None, field: str = "password") -> None:
    """Raise WeakPassword when the password breaks the policy."""
    problem = password_problem(password, email)
    if problem:
        raise WeakPassword(PASSWORD_MESSAGES[problem], field=field)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def register(
    email: str,
    password: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
    language: str = "en",
    skin_type: str | None = None,
) -> User:
    """Create a customer account and send the verification email (after commit)."""
    email = check_email(email)
    check_password(password, email=email)
    phone = phone_or_none(phone)  # stored as E.164, like every phone the shop keeps
    if find_user_by_email(email) is not None:
        raise EmailTaken(field="email")
    user = User(
        email=email,
        password_hash=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        language=Language(language),
        skin_type=SkinType(skin_type) if skin_type else SkinType.NORMAL,
        role=UserRole.CUSTOMER,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        if "uq_users_email" in str(error.orig):  # a concurrent registration with the same email
            raise EmailTaken(field="email") from error
        raise
    _start_verification(user)
    db.session.commit()
    return user


def _start_verification(user: User) -> None:
    raw, hashed = _token()
    user.email_verification_token = hashed
    user.email_verification_expires = utcnow() + VERIFY_TOKEN_LIFETIME
    enqueue(jobs.send_verification_email, user.id, raw)


def resend_verification(email: str) -> None:
    """Send a new verification link. Says nothing about whether the account exists."""
    user = find_user_by_email(email)
    if user is None or user.email_verified or not user.is_active:
        return
    _start_verification(user)
    db.session.commit()


def verify_email(raw_token: str) -> User:
    """Mark the account whose link this is as verified; the link works once."""
    user = db.session.scalar(sa.select(User).where(User.email_verification_token == _hash_token(raw_token)))
    if user is None:
        raise InvalidToken(field="token")
    if user.email_verification_expires is None or user.email_verification_expires < utcnow():
        raise ExpiredToken(field="token")
    user.email_verified = True
    user.email_verified_at = utcnow()
    user.email_verification_token = None
    user.email_verification_expires = None
    guests.claim_guest_orders(user)  # the guest orders placed with this email are theirs now
    db.session.commit()
    return user


def login_keys(email: str, ip: str | None) -> tuple[str, str]:
    """The seed's per-IP key, and one per account."""
    return f"rate_limit:login:{ip or 'unknown'}", f"rate_limit:login:account:{normalize_email(email)}"


def authenticate(email: str, password: str, *, ip: str | None = None, staff_only: bool = False) -> User:
    """The user with these credentials.

    Failures are counted per IP and per account for 15 minutes; past the limit every attempt is
    refused with TooManyAttempts (even a right password) until the window ends.
    """
    ip_key, account_key = login_keys(email, ip)
    # Counted before the password is checked, with an atomic increment: however many guesses
    # arrive at once, at most the limit get checked. A success gives its count back.
    _count_attempt(ip_key, MAX_FAILURES_PER_IP)
    try:
        _count_attempt(account_key, MAX_FAILURES_PER_ACCOUNT)
    except TooManyAttempts:
        attempts.release(ip_key)  # a locked account tests no password: not this address's guess
        raise
    user = find_user_by_email(email)
    # Verify against a dummy hash when there is no user, so timing does not reveal accounts.
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid:
        raise InvalidCredentials()
    attempts.release(ip_key)
    if not user.is_active:
        attempts.release(account_key)
        raise AccountSuspended()
    if staff_only and not user.is_staff:
        attempts.release(account_key)
        raise NotStaff()
    attempts.clear(account_key)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def _count_attempt(key: str, limit: int) -> None:
    """Count one attempt on `key`; TooManyAttempts when it is past `limit` in the window."""
    window = attempts.record(key, LOGIN_WINDOW_SECONDS)
    if window.count > limit:
        raise TooManyAttempts(window.retry_after)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def request_password_reset(email: str) -> None:
    """Email a reset link (valid 1 hour). Answers the same whether or not the account exists."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    raw, hashed = _token()
    user.password_reset_token = hashed
    user.password_reset_expires = utcnow() + RESET_TOKEN_LIFETIME
    enqueue(jobs.send_password_reset_email, user.id, raw)
    db.session.commit()


def check_reset_token(raw_token: str) -> User:
    """The user a reset link belongs to, or InvalidToken / ExpiredToken (so a page can say so
    before the shopper types a new password)."""
    user = db.session.scalar(sa.select(User).where(User.password_reset_token == _hash_token(raw_token)))
    if user is None:
        raise InvalidToken(field="token")
    if user.password_reset_expires is None or user.password_reset_expires < utcnow():
        raise ExpiredToken(field="token")
    return user


def reset_password(raw_token: str, new_password: str) -> User:
    """Set a new password with a reset link; the link works once, and every session ends."""
    user = db.session.scalar(
        sa.select(User).where(User.password_reset_token == _hash_token(raw_token)).with_for_update()
    )
    if user is None:
        raise InvalidToken(field="token")
    if user.password_reset_expires is None or user.password_reset_expires < utcnow():
        raise ExpiredToken(field="token")
    check_password(new_password, email=user.email)
    user.password_reset_token = None
    user.password_reset_expires = None
    _set_password(user, new_password)
    # Following the emailed link proves the address.
    if not user.email_verified:
        user.email_verified, user.email_verified_at = True, utcnow()
        guests.claim_guest_orders(user)
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Change the password after checking the current one; every other session ends.

    Wrong current passwords count towards the account's sign-in lockout: a stolen session
    cannot be used to guess the password."""
    _, account_key = login_keys(user.email, None)
    _count_attempt(account_key, MAX_FAILURES_PER_ACCOUNT)
    if not verify_password(user.password_hash, current_password):
        raise InvalidCredentials(_l("Your current password is not correct."), field="current_password")
    attempts.release(account_key)
    check_password(new_password, email=user.email, field="new_password")
    if verify_password(user.password_hash, new_password):
        raise WeakPassword(_l("Choose a password different from your current one."), field="new_password")
    _set_password(user, new_password)
    db.session.commit()
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    revoke_all_sessions(user)
    enqueue(jobs.send_password_changed_email, user.id)


def revoke_all_sessions(user: User) -> None:
    """End every browser session and API token of `user` (they carry the old auth_version)."""
    user.auth_version = (user.auth_version or 1) + 1


def update_profile(user: User, changes: dict[str, Any]) -> User:
    """Apply profile changes; keys not given stay as they are, None clears optional fields.
    The phone is checked and stored as E.164 like an address's (the courier and staff search
    compare one spelling); a number that is not Cambodian is refused, nothing changed."""
    allowed = {"first_name", "last_name", "phone", "date_of_birth", "gender", "skin_type", "language"}
    unknown = set(changes) - allowed
    if unknown:
        raise ShopError(field=sorted(unknown)[0])
    if "gender" in changes and changes["gender"] not in (None, *GENDERS):
        raise ShopError(_l("Choose one of the listed options."), field="gender")
    if "phone" in changes:
        changes = {**changes, "phone": phone_or_none(changes["phone"])}
    for key, value in changes.items():
        if key == "skin_type":
            value = SkinType(value) if value else SkinType.NORMAL
        elif key == "language":
            value = Language(value) if value else Language.EN
        setattr(user, key, value)
    db.session.commit()
    return user


# ---------------------------------------------------------------- addresses

ADDRESS_FIELDS = ("type", *SNAPSHOT_FIELDS, "is_default")


def list_addresses(user_id: int) -> list[UserAddress]:
    """The user's addresses, defaults first."""
    query = (
        sa.select(UserAddress)
        .where(UserAddress.user_id == user_id)
        .order_by(UserAddress.is_default.desc(), UserAddress.type, UserAddress.id)
    )
    return list(db.session.scalars(query))


def get_address(user_id: int, address_id: int) -> UserAddress:
    """The user's own address; anyone else's is NotFound (not Forbidden: ids are not confirmed)."""
    address = db.session.scalar(
        sa.select(UserAddress).where(UserAddress.id == address_id, UserAddress.user_id == user_id)
    )
    if address is None:
        raise NotFound()
    return address


def add_address(user_id: int, data: dict[str, Any]) -> UserAddress:
    """Add an address. The first address of a type becomes its default."""
    values = _address_values(data)
    address = UserAddress(user_id=user_id, **values)
    has_default = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(UserAddress)
        .where(UserAddress.user_id == user_id, UserAddress.type == address.type, UserAddress.is_default)
    )
    db.session.add(address)
    db.session.flush()
    if address.is_default or not has_default:
        _make_default(address)
    db.session.commit()
    return address


def update_address(user_id: int, address_id: int, data: dict[str, Any]) -> UserAddress:
    """Change one of the user's addresses."""
    address = get_address(user_id, address_id)
    old_type, was_default = address.type, address.is_default
    if "city" in data and "province" not in data:  # an older client moving the address by its city
        data = {**data, "province": None}
    values = _address_values({**{f: getattr(address, f) for f in ADDRESS_FIELDS}, **data})
    make_default = values.pop("is_default")
    for key, value in values.items():
        setattr(address, key, value)
    db.session.flush()
    if address.type != old_type and was_default:
        # It leaves its old type: that type's next address becomes the default there.
        address.is_default = False
        _promote_successor(user_id, old_type)
        make_default = make_default or not _has_default(user_id, address.type)
    if make_default:
        _make_default(address)
    db.session.commit()
    return address


def _has_default(user_id: int, kind: str) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(UserAddress)
            .where(UserAddress.user_id == user_id, UserAddress.type == kind, UserAddress.is_default)
        )
    )


def _promote_successor(user_id: int, kind: str) -> None:
    successor = db.session.scalar(
        sa.select(UserAddress)
        .where(UserAddress.user_id == user_id, UserAddress.type == kind)
        .order_by(UserAddress.id)
        .limit(1)
    )
    if successor is not None:
        _make_default(successor)


def delete_address(user_id: int, address_id: int) -> None:
    """Delete one of the user's addresses; if it was the default, the next one of its type is."""
    address = get_address(user_id, address_id)
    was_default, kind = address.is_default, address.type
    db.session.delete(address)
    db.session.flush()
    if was_default:
        _promote_successor(user_id, kind)
    db.session.commit()


def set_default_address(user_id: int, address_id: int) -> UserAddress:
    """Make this the default address of its type (shipping or billing)."""
    address = get_address(user_id, address_id)
    _make_default(address)
    db.session.commit()
    return address


def _make_default(address: UserAddress) -> None:
    db.session.execute(
        sa.update(UserAddress)
        .where(UserAddress.user_id == address.user_id, UserAddress.type == address.type)
        .values(is_default=UserAddress.id == address.id)
    )
    db.session.refresh(address)


def _address_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {**clean_address(data), "type": data.get("type") or "shipping", "is_default": bool(data.get("is_default"))}
    if values["type"] not in ADDRESS_TYPES:
        raise ShopError(_l("Choose shipping or billing."), field="type")
    return values
