"""Users and their address book (seed tables `users`, `user_addresses`)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.catalog.models import SkinType
from shop.extensions import Model
from shop.infra.columns import Money, TextArray, UTCDateTime, created_at, pg_enum, updated_at


class UserRole(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    MODERATOR = "moderator"


class Language(enum.StrEnum):
    """Stored as the seed's `en`/`kh`; Babel's code for Khmer is `km` (see shop.i18n)."""

    EN = "en"
    KH = "kh"


STAFF_ROLES = frozenset({UserRole.ADMIN, UserRole.MODERATOR})
GENDERS = ("male", "female", "other")
ADDRESS_TYPES = ("shipping", "billing")
# What an order keeps of an address (its own copy, so later edits do not rewrite history).
SNAPSHOT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    # Added by migration 0013.
    "province",
    "district",
    "commune",
    "landmark",
)

# The seed's email rule. PostgreSQL enforces the regex; SQLite gets a coarser GLOB.
EMAIL_REGEX = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"email ~* '{EMAIL_REGEX}'", name="valid_email").ddl_if(dialect="postgresql"),
        sa.CheckConstraint("email GLOB '?*@?*.?*' AND email NOT GLOB '*[ ]*'", name="valid_email").ddl_if(
            dialect="sqlite"
        ),
        sa.CheckConstraint("gender IN ('male', 'female', 'other')", name="valid_gender"),
        sa.Index("idx_users_email", "email"),
        sa.Index("idx_users_role", "role"),
        sa.Index(
            "idx_users_password_reset_token",
            "password_reset_token",
            postgresql_where=sa.text("password_reset_token IS NOT NULL"),
            sqlite_where=sa.text("password_reset_token IS NOT NULL"),
        ),
        # Added by migration 0003.
        sa.Index(
            "idx_users_email_verification_token",
            "email_verification_token",
            postgresql_where=sa.text("email_verification_token IS NOT NULL"),
            sqlite_where=sa.text("email_verification_token IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    # The seed names the column `password`; it only ever holds an argon2 hash.
    password_hash: Mapped[str] = mapped_column("password", sa.String(255))
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    gender: Mapped[str | None] = mapped_column(sa.String(10))
    skin_type: Mapped[SkinType] = mapped_column(
        pg_enum(SkinType, "skin_type"), default=SkinType.NORMAL, server_default=SkinType.NORMAL.value
    )
    language: Mapped[Language] = mapped_column(
        pg_enum(Language, "user_language"), default=Language.EN, server_default=Language.EN.value
    )
    role: Mapped[UserRole] = mapped_column(
        pg_enum(UserRole, "user_role"), default=UserRole.CUSTOMER, server_default=UserRole.CUSTOMER.value
    )

    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    email_verification_token: Mapped[str | None] = mapped_column(sa.String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_reset_token: Mapped[str | None] = mapped_column(sa.String(255))
    password_reset_expires: Mapped[datetime | None] = mapped_column(UTCDateTime())

    total_orders: Mapped[int] = mapped_column(default=0, server_default="0")
    total_spent: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"), server_default="0")
    avg_rating: Mapped[Decimal] = mapped_column(sa.Numeric(3, 2), default=Decimal("0.00"), server_default="0")

    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    # Added by migration 0003.
    email_verification_expires: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Bumped on password change, suspension and "log out everywhere": every session and token
    # issued under an older version stops working.
    auth_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Added by migration 0004: the coupon on the signed-in shopper's cart.
    cart_coupon_code: Mapped[str | None] = mapped_column(sa.String(50))
    # Added by migration 0009: the skin profile from the skin analysis (concern codes from
    # shop.catalog.vocab, ingredient groups from shop.skin.conflicts).
    skin_concerns: Mapped[list[str] | None] = mapped_column(TextArray)
    avoided_ingredients: Mapped[list[str] | None] = mapped_column(TextArray)

    addresses: Mapped[list[UserAddress]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def get_id(self) -> str:
        """Flask-Login's session id: the user id and the auth version, so bumping the version
        (password change, suspension) ends every session."""
        return f"{self.id}:{self.auth_version}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class UserAddress(Model):
    __tablename__ = "user_addresses"
    # Added by migration 0002.
    __table_args__ = (
        sa.CheckConstraint("type IN ('shipping', 'billing')", name="valid_address_type"),
        sa.Index("idx_user_addresses_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(sa.String(20), default="shipping", server_default="shipping")
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    company: Mapped[str | None] = mapped_column(sa.String(100))
    address_line1: Mapped[str] = mapped_column(sa.String(255))
    address_line2: Mapped[str | None] = mapped_column(sa.String(255))
    city: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))  # optional since migration 0013
    country: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    is_default: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = created_at()
    # Added by migration 0013: the province's ISO 3166-2:KH code (shop.accounts.provinces),
    # khan / district, sangkat / commune, and a landmark for the rider. Addresses from before
    # whose city named no province have none until they are edited.
    province: Mapped[str | None] = mapped_column(sa.String(10))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    commune: Mapped[str | None] = mapped_column(sa.String(100))
    landmark: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship(back_populates="addresses")

    def as_snapshot(self) -> dict:
        """The address as stored on an order (orders keep a copy, not a reference)."""
        return {f: getattr(self, f) for f in SNAPSHOT_FIELDS}
