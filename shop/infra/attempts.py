"""Counting attempts in a time window (login failures), in Redis or, embedded, in memory.

Keys follow the seed: `rate_limit:login:{ip}` (15 minutes). When Redis cannot be reached the
counting goes on in this process's memory (a lockout still holds, per worker), rather than
failing every sign-in.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import redis

from shop.infra.redis_client import get_redis

log = logging.getLogger("shop.attempts")

_memory: dict[str, tuple[int, float]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Window:
    count: int
    retry_after: int  # seconds until the window ends (0 when empty)


def current(key: str) -> Window:
    """How many attempts `key` has in its window, and when the window ends."""
    client = get_redis()
    if client is not None:
        try:
            with client.pipeline() as pipe:
                pipe.get(key)
                pipe.ttl(key)
                count, ttl = pipe.execute()
            return Window(int(count or 0), max(int(ttl), 0) if count else 0)
        except redis.RedisError:
            _redis_down()
    with _lock:
        count, expires = _memory.get(key, (0, 0.0))
        remaining = expires - time.monotonic()
        if remaining <= 0:
            return Window(0, 0)
        return Window(count, int(remaining) + 1)


def record(key: str, window_seconds: int) -> Window:
    """Count one more attempt; the window starts with the first attempt."""
    client = get_redis()
    if client is not None:
        try:
            with client.pipeline() as pipe:  # MULTI/EXEC: the increment and its count are one step
                pipe.incr(key)
                pipe.expire(key, window_seconds, nx=True)
                pipe.ttl(key)
                count, _set, ttl = pipe.execute()
            return Window(int(count), max(int(ttl), 0))
        except redis.RedisError:
            _redis_down()
    with _lock:
        count, expires = _memory.get(key, (0, 0.0))
        now = time.monotonic()
        if expires <= now:
            count, expires = 0, now + window_seconds
        _memory[key] = (count + 1, expires)
        return Window(count + 1, int(expires - now) + 1)


def clear(key: str) -> None:
    """Forget the attempts of `key` (after a successful login)."""
    client = get_redis()
    if client is not None:
        try:
            client.delete(key)
        except redis.RedisError:
            _redis_down()
    with _lock:
        _memory.pop(key, None)


def release(key: str) -> None:
    """Give back one attempt counted by `record` (the attempt turned out not to be a failure)."""
    client = get_redis()
    if client is not None:
        try:
            client.eval(_RELEASE, 1, key)
            return
        except redis.RedisError:
            _redis_down()
    with _lock:
        count, expires = _memory.get(key, (0, 0.0))
        if count > 0:
            _memory[key] = (count - 1, expires)


# Decrement, never below zero and never creating a key without an expiry.
_RELEASE = "local n = tonumber(redis.call('GET', KEYS[1]) or '0') if n > 0 then redis.call('DECR', KEYS[1]) end"


def _redis_down() -> None:
    log.warning("redis unreachable: counting attempts in memory")
