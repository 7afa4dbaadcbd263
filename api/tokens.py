"""JWT access and refresh tokens for the mobile app (flask-jwt-extended).

Tokens carry the user's `auth_version`: a password change or a suspension bumps it and every
token already issued stops working. Logout puts a token's id on a blocklist in Redis
(`jwt:revoked:{jti}`, kept until the token would have expired). Refresh tokens rotate: each is
good once; presenting a spent one again means it was stolen, so the whole family is revoked.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from shop.accounts.models import User
from shop.accounts.services import revoke_all_sessions
from shop.extensions import db, jwt
from shop.infra.redis_client import get_redis
from web.envelope import error_response

ROTATED = "rotated"
LOGGED_OUT = "logged_out"
_memory_blocklist: dict[str, tuple[str, float]] = {}
_lock = threading.Lock()


def issue_tokens(user: User) -> dict[str, Any]:
    """A fresh access + refresh token pair."""
    claims = {"ver": user.auth_version, "role": user.role.value}
    access = create_access_token(identity=str(user.id), additional_claims=claims)
    refresh = create_refresh_token(identity=str(user.id), additional_claims=claims)
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    }


def revoke(payload: dict[str, Any], reason: str = LOGGED_OUT) -> None:
    """Blocklist one token until it would have expired anyway."""
    ttl = max(int(payload["exp"] - time.time()), 1)
    key = f"jwt:revoked:{payload['jti']}"
    client = get_redis()
    if client is not None:
        client.set(key, reason, ex=ttl)
        return
    with _lock:
        _memory_blocklist[key] = (reason, time.time() + ttl)


def claim_rotation(payload: dict[str, Any]) -> bool:
    """Spend a refresh token: True for exactly one caller, however many present it at once
    (an atomic SET NX in Redis; under a lock in memory). False means it was already spent or
    revoked: the caller treats it as reuse."""
    ttl = max(int(payload["exp"] - time.time()), 1)
    key = f"jwt:revoked:{payload['jti']}"
    client = get_redis()
    if client is not None:
        return bool(client.set(key, ROTATED, ex=ttl, nx=True))
    with _lock:
        _reason, until = _memory_blocklist.get(key, (None, 0.0))
        if until > time.time():
            return False
        _memory_blocklist[key] = (ROTATED, time.time() + ttl)
        return True


def revoke_family(payload: dict[str, Any]) -> None:
    """A spent refresh token came back: someone else has a copy, so every token and session
    of the user ends."""
    user = db.session.get(User, int(payload["sub"]))
    if user is not None and user.auth_version == payload.get("ver"):
        revoke_all_sessions(user)
        db.session.commit()


def revocation_reason(payload: dict[str, Any]) -> str | None:
    key = f"jwt:revoked:{payload['jti']}"
    client = get_redis()
    if client is not None:
        value = client.get(key)
        if not value:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)
    with _lock:
        reason, until = _memory_blocklist.get(key, (None, 0.0))
        return reason if until > time.time() else None


def revoke_encoded(token: str) -> bool:
    """Revoke a token given as a string (the refresh token sent with logout); False if invalid."""
    try:
        payload = decode_token(token, allow_expired=True)
    except Exception:  # any malformed or foreign token is simply not revoked
        return False
    revoke(payload)
    return True


@jwt.user_lookup_loader
def _load_user(_header: dict, payload: dict) -> User | None:
    user = db.session.get(User, int(payload["sub"]))
    if user is None or not user.is_active or user.auth_version != payload.get("ver"):
        return None
    return user


@jwt.token_in_blocklist_loader
def _is_revoked(_header: dict, payload: dict) -> bool:
    reason = revocation_reason(payload)
    if reason == ROTATED and payload.get("type") == "refresh":
        revoke_family(payload)
    return reason is not None


@jwt.unauthorized_loader
def _missing(_reason: str):
    return error_response(str(_l("Please sign in.")), 401)


@jwt.invalid_token_loader
def _invalid(_reason: str):
    return error_response(str(_l("Your session is not valid. Please sign in again.")), 401)


@jwt.expired_token_loader
def _expired(_header: dict, _payload: dict):
    return error_response(str(_l("Your session has expired. Please sign in again.")), 401)


@jwt.revoked_token_loader
@jwt.user_lookup_error_loader
def _ended(_header: dict, _payload: dict):
    """A revoked token, or one whose user is gone: the same answer, so neither is told apart."""
    return error_response(str(_l("Your session has ended. Please sign in again.")), 401)


@jwt.needs_fresh_token_loader
def _needs_fresh(_header: dict, _payload: dict):
    return error_response(str(_l("Please sign in again.")), 401)
