"""Generation counters in the shared cache (Redis): what a process keeps of something every
process shows (the catalog's pages, the delivery zones) is valid while the thing's generation
is the one it was read under, and every change moves the generation on after its commit.

A generation starts at a random number, so an emptied Redis never brings back the numbers of an
earlier run whose copies processes may still keep. Without a shared cache (the embedded default's
in-process cache, which other workers cannot see) there is no generation: nothing may be kept.
"""

from __future__ import annotations

import random
from typing import Any

from cachelib.redis import RedisCache

from shop.extensions import cache


def shared() -> bool:
    """Whether the cache is one every process shares (Redis)."""
    return isinstance(cache.cache, RedisCache)


def read(key: str) -> Any:  # an int; None when Redis cannot be read
    """The generation under `key` now, starting it when Redis has none."""
    generation = cache.get(key)
    if generation is None:
        cache.add(key, random.randrange(1, 2**40), timeout=0)
        generation = cache.get(key)
    return generation


def advance(key: str) -> bool:
    """Move the generation under `key` on (after the change has committed). False when Redis
    could not be reached: processes that keep a copy cannot know of the change."""
    if read(key) is None:  # INCR on a missing key would count 1, 2, 3... again
        return False
    return cache.cache.inc(key) is not None
