"""The shop's days: reports count days in the shop's time zone (Phnom Penh), not in UTC."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import InstrumentedAttribute

from shop.extensions import db

MAX_DAYS = 366


class Granularity(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def shop_timezone() -> ZoneInfo:
    """The time zone the shop's days are counted in (BABEL_DEFAULT_TIMEZONE)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Phnom_Penh")


def today() -> date:
    """Today in the shop's time zone."""
    return datetime.now(shop_timezone()).date()


def start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the shop's time zone (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=shop_timezone())


def since(days: int) -> datetime:
    """The start of the last `days` days, today included (1 = today)."""
    return start_of(today() - timedelta(days=days - 1))


def local_day(column: sa.ColumnElement[Any] | InstrumentedAttribute[Any]) -> sa.ColumnElement[str]:
    """SQL for the shop's day ('YYYY-MM-DD') of a UTC timestamp column."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone(shop_timezone().key, column), "YYYY-MM-DD")
    offset = datetime.now(shop_timezone()).utcoffset() or timedelta()
    return sa.func.strftime("%Y-%m-%d", column, f"{int(offset.total_seconds())} seconds")


def bucket(day: date, granularity: Granularity) -> date:
    """The first day of the day's week (Monday) or month."""
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    return day


def buckets(start: date, end: date, granularity: Granularity) -> list[date]:
    """Every bucket from `start` to `end` inclusive, in order (so empty periods show as zero)."""
    seen: list[date] = []
    day = start
    while day <= end:
        first = bucket(day, granularity)
        if not seen or seen[-1] != first:
            seen.append(first)
        day += timedelta(days=1)
    return seen
