"""Copies in Redis of what a table holds for one shopper (their cart, their wishlist), kept exact
when a read and a change race.

The plain way (read the table on a miss, store the copy; delete the copy after a change) can
keep a stale copy for good: a reader reads the table, a change commits and deletes the copy,
then the reader stores what it read before the change. Here every key has a version (`<key>:v`,
moved on by each change before the copy is deleted), and a reader stores its copy only if the
version is still the one it saw before reading the table (one Lua script, atomic in Redis). A
copy in Redis is therefore always one written after the last change, and a reader that lost
the race simply stores nothing. The versions never expire (a few bytes per shopper who ever
changed something): one that expired and counted up again could match a reader's old one.

Copies a page reads together (a signed-in shopper's cart badge, hearts and reviews) can be read
in one round trip (`read_together`): each is then served once to the next `read` of this request,
as if read then; a change forgotten in between (`forget`) is read again.

Redis unreachable: reads are misses (the caller reads the table), nothing is stored, and a
change that cannot move the version on is logged (its copy expires with its TTL).
"""

from __future__ import annotations

import logging

import redis
from flask import g, has_app_context

from shop.infra.redis_client import get_redis

log = logging.getLogger("shop.redis")

_STORE_IF_UNCHANGED = """
local version = redis.call('GET', KEYS[2])
if (version or '') == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""


class Copy:
    """What `read` found: the stored value (None on a miss), and the version to store under."""

    __slots__ = ("value", "version")

    def __init__(self, value: bytes | str | None, version: bytes | str | None) -> None:
        self.value = value
        self.version = version


AHEAD = "_redis_copies_ahead"


def read_together(keys: list[str]) -> None:
    """Read these copies now, in one round trip: the next `read` of each in this request (app
    context) takes it from here."""
    client = get_redis()
    if client is None or not keys or not has_app_context():
        return
    try:
        values = client.mget([name for key in keys for name in (key, _version_key(key))])
    except redis.RedisError:
        return
    ahead = g.setdefault(AHEAD, {})
    for n, key in enumerate(keys):
        ahead[key] = Copy(values[2 * n], values[2 * n + 1])


def read(key: str) -> Copy | None:
    """The copy and its version, in one round trip; None without Redis (or when it fails)."""
    if has_app_context():
        ahead = g.get(AHEAD)
        if ahead and key in ahead:
            return ahead.pop(key)
    client = get_redis()
    if client is None:
        return None
    try:
        value, version = client.mget(key, _version_key(key))
    except redis.RedisError:
        return None
    return Copy(value, version)


def store(key: str, value: str, *, seen: Copy | None, ttl: int) -> bool:
    """Store `value`, read from the table after `seen` was read, unless the key changed since."""
    client = get_redis()
    if client is None or seen is None:
        return False
    version = seen.version.decode() if isinstance(seen.version, bytes) else (seen.version or "")
    try:
        return bool(client.eval(_STORE_IF_UNCHANGED, 2, key, _version_key(key), value, version, ttl))
    except redis.RedisError:
        return False


def forget(key: str) -> None:
    """After a change has committed: move the version on and delete the copy."""
    if has_app_context():
        g.get(AHEAD, {}).pop(key, None)
    client = get_redis()
    if client is None:
        return
    try:
        pipe = client.pipeline(transaction=True)
        pipe.incr(_version_key(key))
        pipe.delete(key)
        pipe.execute()
    except redis.RedisError:  # after commit: the change stands; the copy expires with its TTL
        log.warning("redis unreachable: %s not forgotten", key)


def _version_key(key: str) -> str:
    return f"{key}:v"
