"""The Redis cache for Flask-Caching, where an unreachable Redis is a cache miss: reads find
nothing and writes are dropped, so every page and endpoint falls through to the database
instead of answering 500. Logged once per outage, not once per call."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

import redis
from flask_caching.backends.rediscache import RedisCache

log = logging.getLogger("shop.cache")

# What each operation answers when Redis cannot be reached (what a miss answers).
_MISSES: dict[str, Any] = {
    "get": None,
    "has": False,
    "set": False,
    "add": False,
    "delete": False,
    "unlink": False,
    "set_many": [],
    "delete_many": [],
    "inc": None,
    "dec": None,
    "clear": False,
}


def _missing_on_error(name: str):
    method = getattr(RedisCache, name)
    miss = _MISSES[name]

    @wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except redis.RedisError as error:
            if not self.down:
                log.warning("redis cache unreachable: every read is a miss", extra={"fields": {"error": repr(error)}})
            self.down = True
            return list(miss) if isinstance(miss, list) else miss
        self.down = False
        return result

    return wrapper


class MissingRedisCache(RedisCache):
    """RedisCache whose failures are misses (see the module docstring)."""

    down = False

    def get_many(self, *keys: str) -> list[Any]:
        try:
            return super().get_many(*keys)
        except redis.RedisError:
            self.down = True
            return [None] * len(keys)

    def get_dict(self, *keys: str) -> dict[str, Any]:
        return dict(zip(keys, self.get_many(*keys), strict=True))


for _name in _MISSES:
    setattr(MissingRedisCache, _name, _missing_on_error(_name))
