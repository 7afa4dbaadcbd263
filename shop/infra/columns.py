"""Column types shared by every domain, portable between PostgreSQL and SQLite."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


def utcnow() -> datetime:
    """Aware UTC now; use as a callable default."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """`TIMESTAMP WITH TIME ZONE` that always hands back aware UTC datetimes.

    SQLite has no time zones and returns naive values; we store UTC there and re-attach it.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(sa.TypeDecorator):
    """NUMERIC(12,2) as Decimal. SQLite stores REAL; we quantize on the way out."""

    impl = sa.Numeric(12, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        return Decimal(value).quantize(Decimal("0.01"))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


# JSONB on PostgreSQL, JSON (text) on SQLite.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# TEXT[] / INTEGER[] on PostgreSQL, a JSON list on SQLite.
TextArray = sa.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite")
IntArray = sa.ARRAY(sa.Integer()).with_variant(sa.JSON(), "sqlite")


def pg_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A named enum: a native ENUM type on PostgreSQL, a CHECK constraint on SQLite."""
    return sa.Enum(
        enum_cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        create_constraint=True,
        validate_strings=True,
    )


def created_at() -> sa.orm.MappedColumn:
    return sa.orm.mapped_column(UTCDateTime(), default=utcnow, server_default=sa.func.now(), nullable=True)


def updated_at() -> sa.orm.MappedColumn:
    return sa.orm.mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=sa.func.now(), nullable=True
    )
