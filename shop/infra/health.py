"""Readiness checks of the shop's backing services."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from shop.analytics.store import get_mongo
from shop.extensions import db
from shop.infra.redis_client import get_redis


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return Check("database", True, db.engine.dialect.name)
    except Exception as exc:
        db.session.rollback()
        return Check("database", False, type(exc).__name__)


def check_redis() -> Check:
    client = get_redis()
    if client is None:
        return Check("redis", True, "not configured (embedded mode)")
    try:
        client.ping()
        return Check("redis", True, "ok")
    except Exception as exc:
        return Check("redis", False, type(exc).__name__)


def check_mongo() -> Check:
    if not current_app.config.get("MONGO_URI"):
        return Check("mongo", True, "mongomock (embedded mode)")
    try:
        get_mongo().command("ping")
        return Check("mongo", True, "ok")
    except Exception as exc:
        return Check("mongo", False, type(exc).__name__)


def readiness() -> list[Check]:
    """Every backing service's check; the shop is ready when all pass."""
    return [check_database(), check_redis(), check_mongo()]
