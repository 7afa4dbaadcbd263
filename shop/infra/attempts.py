"""Counting attempts in a time window (login failures), in Redis or, embedded, in memory.

Keys follow the seed: `rate_limit:login:{ip}` (15 minutes).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from shop.infra.redis_client import get_redis

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
        with client.pipeline() as pipe:
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = pipe.execute()
        return Window(int(count or 0), max(int(ttl), 0) if count else 0)
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
        with client.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, window_seconds, nx=True)
            pipe.ttl(key)
            count, _set, ttl = pipe.execute()
        return Window(int(count), max(int(ttl), 0))
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
        client.delete(key)
        return
    with _lock:
        _memory.pop(key, None)
