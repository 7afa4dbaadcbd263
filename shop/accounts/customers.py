"""Staff rules over customer accounts: search, profile edits, suspension, deletion, and their
address book (through the address rules of shop.accounts.services). The doors let admins only.

- Suspending ends every browser session, "remember me" cookie and API token of the customer at
  once (users.auth_version is bumped, and a suspended account's sessions and tokens are refused
  anyway), and sign-in is refused with AccountSuspended. Activating lets them sign in again.
- Deleting a customer who has orders anonymises the account instead: email, names, phone, date
  of birth and password are replaced or cleared, the address book, cart and wishlist are
  deleted, the account is closed, and the orders are kept (each order keeps its own copy of
  the delivery details, the record of the sale). A customer without orders is deleted.
  Either way their reviews stay (their rating counted) but lose the name and email they were
  signed with.
- Every change is recorded in the audit log in the same transaction. Deletions keep no personal
  data in the log (the account id and its order count only).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.accounts import services as accounts
from shop.accounts.models import GENDERS, Language, User, UserAddress, UserRole
from shop.accounts.phones import KHMER_DIGITS, phone_or_none
from shop.audit.actors import Actor
from shop.audit.services import plain
from shop.cart.models import CartItem
from shop.catalog.models import SkinType
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.infra.like import ESCAPE, contains
from shop.orders.models import Order
from shop.orders.services import forget_cached_cart
from shop.paging import Page, paginate
from shop.reviews import services as reviews
from shop.reviews.models import Review
from shop.wishlist import services as wishlist
from shop.wishlist.models import WishlistItem

ANONYMISED_DOMAIN = "deleted.invalid"
EDITABLE = ("first_name", "last_name", "email", "phone", "date_of_birth", "gender", "skin_type", "language")
_CUSTOMER = sa.and_(User.role == UserRole.CUSTOMER, User.email.not_like(f"%@{ANONYMISED_DOMAIN}"))


class CustomerStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class CustomerFilters:
    query: str = ""  # in the name, email or phone
    status: CustomerStatus | None = None


# ---------------------------------------------------------------- finding customers


def list_customers(filters: CustomerFilters = CustomerFilters(), *, page: int = 1, per_page: int = 20) -> Page:
    """Customers (not staff, not deleted) matching the filters, newest first."""
    conditions = [_CUSTOMER]
    if filters.status is not None:
        conditions.append(User.is_active.is_(filters.status == CustomerStatus.ACTIVE))
    text = filters.query.strip()
    if text:
        pattern = contains(text)
        full_name = sa.func.coalesce(User.first_name, "") + " " + sa.func.coalesce(User.last_name, "")
        matches = [
            User.email.ilike(pattern, escape=ESCAPE),
            full_name.ilike(pattern, escape=ESCAPE),
            User.phone.ilike(pattern, escape=ESCAPE),
        ]
        # Phone numbers as typed: with or without spaces and dashes, and "012 ..." for "+855 12 ...".
        digits = "".join(c for c in text.translate(KHMER_DIGITS) if c in "0123456789")
        digits = digits[1:] if digits.startswith("0") else digits
        if len(digits) >= 3:
            bare_phone = sa.func.replace(sa.func.replace(User.phone, " ", ""), "-", "")
            matches.append(bare_phone.like(f"%{digits}%"))
        conditions.append(sa.or_(*matches))
    query = sa.select(User).where(*conditions).order_by(User.created_at.desc(), User.id.desc())
    return paginate(query, page=page, per_page=per_page)


def get_customer(user_id: int, *, lock: bool = False) -> User:
    """A customer account (staff and deleted accounts are NotFound here)."""
    query = sa.select(User).where(User.id == user_id, _CUSTOMER)
    if lock:
        query = query.with_for_update()
    user = db.session.scalar(query)
    if user is None:
        raise NotFound()
    return user


def status_of(user: User) -> CustomerStatus:
    return CustomerStatus.ACTIVE if user.is_active else CustomerStatus.SUSPENDED


# ---------------------------------------------------------------- changing an account


def update_customer(user_id: int, changes: dict[str, Any], *, actor: Actor) -> User:
    """Change profile fields (EDITABLE; keys not given stay, None clears optional ones). A new
    email must be valid and free (EmailTaken) and is no longer marked verified."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ShopError(field=sorted(unknown)[0])
    user = get_customer(user_id, lock=True)
    values = dict(changes)
    if "email" in values:
        values["email"] = accounts.check_email(values["email"] or "")
        other = accounts.find_user_by_email(values["email"])
        if other is not None and other.id != user.id:
            raise accounts.EmailTaken(field="email")
    if "gender" in values and values["gender"] not in (None, *GENDERS):
        raise ShopError(_l("Choose one of the listed options."), field="gender")
    if "skin_type" in values:
        values["skin_type"] = _choice(SkinType, values["skin_type"] or SkinType.NORMAL.value, "skin_type")
    if "language" in values:
        values["language"] = _choice(Language, values["language"] or Language.EN.value, "language")
    for name in ("first_name", "last_name"):
        if name in values:
            values[name] = (values[name] or "").strip() or None
    if "phone" in values:
        values["phone"] = phone_or_none(values["phone"])
    before, after = {}, {}
    for name, value in values.items():
        old = getattr(user, name)
        if old != value:
            before[name], after[name] = plain(old), plain(value)
            setattr(user, name, value)
    if "email" in after:
        user.email_verified, user.email_verified_at = False, None
    if after:
        actor.record("customer.update", "user", user.id, before=before, after=after)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as error:  # the same email taken meanwhile
        db.session.rollback()
        raise accounts.EmailTaken(field="email") from error
    return user


def _choice(kind: type[enum.Enum], value: str, field: str):
    try:
        return kind(value)
    except ValueError:
        raise ShopError(_l("Choose one of the listed options."), field=field) from None


def suspend_customer(user_id: int, *, actor: Actor) -> User:
    """Close the account: it cannot sign in, and every session and token ends at once."""
    user = get_customer(user_id, lock=True)
    if user.is_active:
        user.is_active = False
        accounts.revoke_all_sessions(user)
        actor.record("customer.suspend", "user", user.id, before={"is_active": True}, after={"is_active": False})
        db.session.commit()
    return user


def activate_customer(user_id: int, *, actor: Actor) -> User:
    """Open a suspended account again."""
    user = get_customer(user_id, lock=True)
    if not user.is_active:
        user.is_active = True
        actor.record("customer.activate", "user", user.id, before={"is_active": False}, after={"is_active": True})
        db.session.commit()
    return user


def order_count(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Order).where(Order.user_id == user_id)) or 0


def delete_customer(user_id: int, *, actor: Actor) -> str:
    """Delete the account, or anonymise it when it has orders (see the module notes).
    Returns "anonymised" or "deleted"."""
    user = get_customer(user_id, lock=True)
    orders = order_count(user.id)
    db.session.execute(
        sa.update(Review).where(Review.user_id == user.id).values(customer_name=None, customer_email=None)
    )
    before = {"id": user.id, "orders": orders, "was_active": user.is_active}
    if orders:
        outcome = "anonymised"
        user.email = f"deleted-user-{user.id}@{ANONYMISED_DOMAIN}"
        user.password_hash = "!" + secrets.token_urlsafe(32)  # no password matches it
        for name in ("first_name", "last_name", "phone", "date_of_birth", "gender", "cart_coupon_code"):
            setattr(user, name, None)
        for name in ("email_verification_token", "email_verification_expires", "email_verified_at"):
            setattr(user, name, None)
        user.password_reset_token = user.password_reset_expires = None
        user.email_verified = False
        user.is_active = False
        accounts.revoke_all_sessions(user)
        for model in (UserAddress, CartItem, WishlistItem):
            db.session.execute(sa.delete(model).where(model.user_id == user.id))
        actor.record("customer.anonymise", "user", user.id, before=before, after={"anonymised": True})
    else:
        outcome = "deleted"
        actor.record("customer.delete", "user", user.id, before=before, after=None)
        db.session.delete(user)
    db.session.commit()
    forget_cached_cart(user_id)
    wishlist.forget_copy(user_id)
    reviews.forget_copy(user_id)
    return outcome


# ---------------------------------------------------------------- a user's address book


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.email.endswith(f"@{ANONYMISED_DOMAIN}"):
        raise NotFound()
    return user


def list_user_addresses(user_id: int) -> list[UserAddress]:
    return accounts.list_addresses(_user(user_id).id)


def _address_snapshot(address: UserAddress) -> dict[str, Any]:
    return {name: getattr(address, name) for name in accounts.ADDRESS_FIELDS}


def add_user_address(user_id: int, data: dict[str, Any], *, actor: Actor) -> UserAddress:
    """Add an address to a user's book (the same rules as the shopper's own book)."""
    user = _user(user_id)
    actor.record("customer.address_add", "user", user.id, before=None, after={k: plain(v) for k, v in data.items()})
    return _audited(lambda: accounts.add_address(user.id, data))


def update_user_address(user_id: int, address_id: int, data: dict[str, Any], *, actor: Actor) -> UserAddress:
    user = _user(user_id)
    address = accounts.get_address(user.id, address_id)
    before = _address_snapshot(address)
    changed = {k: plain(v) for k, v in data.items() if before.get(k) != v}
    actor.record(
        "customer.address_update", "user_address", address.id, before={k: before.get(k) for k in changed}, after=changed
    )
    return _audited(lambda: accounts.update_address(user.id, address_id, data))


def delete_user_address(user_id: int, address_id: int, *, actor: Actor) -> None:
    user = _user(user_id)
    address = accounts.get_address(user.id, address_id)
    actor.record("customer.address_delete", "user_address", address.id, before=_address_snapshot(address), after=None)
    _audited(lambda: accounts.delete_address(user.id, address_id))


def _audited(change):
    """Run an address service (it commits, with the audit entry recorded just before); when it
    refuses, the audit entry goes too."""
    try:
        return change()
    except ShopError:
        db.session.rollback()
        raise
