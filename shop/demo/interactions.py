"""Synthetic but structured shopping behaviour, for the recommendation benchmark.

- Shoppers have a skin type and one or two concerns, and mostly look at and buy products for
  their skin type (or all skin types) that treat one of their concerns.
- Products are bought together: each product has three fixed companions (drawn by
  popularity) that its buyers often also take, a pattern only co-occurrence reveals.
- Popularity is long-tailed, and a few products trend: extra interest in the last week.
- Each interaction is a view, cart add, wishlist save or purchase, at a time in the last
  DAYS days.
"""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np

from shop.recommendations.training import WEIGHTS, Interactions, Products

DAYS = 180
KIND_SHARES = (("view", 0.6), ("cart_add", 0.15), ("wishlist", 0.05), ("purchase", 0.2))
SKIN_TYPES = ("oily", "dry", "combination", "sensitive", "normal")


def generate(
    products: Products, n_interactions: int, *, now: float, seed: int = 7
) -> tuple[Interactions, dict[int, tuple[str, list[str], list[str]]]]:
    """`n_interactions` interactions of n/20 shoppers; returns them and the shoppers' skin
    profiles (user id -> (skin type, concerns, avoided groups))."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    n = len(products)
    ranks = nrng.permutation(n)
    popularity = 1.0 / (ranks + 10.0) ** 0.9
    popularity /= popularity.sum()
    companions = nrng.choice(n, size=(n, 3), p=popularity)
    pools: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in range(n):
        types = SKIN_TYPES if products.skin_types[i] == "all" else (products.skin_types[i],)
        for skin in types:
            for concern in products.concerns[i]:
                pools[(skin, concern)].append(i)
    concerns = sorted({c for cs in products.concerns for c in cs})
    # Cumulative popularity within each pool: a draw is one binary search.
    pool_cumulative = {key: np.cumsum(popularity[members]) for key, members in pools.items()}
    trending = set(nrng.choice(n, size=max(1, n // 500), replace=False, p=popularity).tolist())
    trending_list = sorted(trending)
    kinds = [kind for kind, _share in KIND_SHARES]
    shares = [share for _kind, share in KIND_SHARES]
    n_users = max(1, n_interactions // 20)
    profiles: dict[int, tuple[str, list[str], list[str]]] = {}
    rows: list[tuple[int, int, float, float]] = []
    global_draws = iter(nrng.choice(n, size=n_interactions + 10, p=popularity).tolist())
    user_id = 0
    while len(rows) < n_interactions:
        user_id += 1
        skin = rng.choice(SKIN_TYPES)
        mine = rng.sample(concerns, k=rng.choice((1, 2)))
        profiles[user_id] = (skin, mine, [])
        keys = [(skin, c) for c in mine if (skin, c) in pools]
        sessions = max(1, int(rng.expovariate(1 / 8)))
        for _ in range(sessions):
            if keys and rng.random() < 0.7:
                key = rng.choice(keys)
                cumulative = pool_cumulative[key]
                position = int(np.searchsorted(cumulative, rng.random() * cumulative[-1]))
                anchor = pools[key][min(position, len(cumulative) - 1)]
            else:
                anchor = next(global_draws)
            when = now - rng.random() * DAYS * 86400
            picked = [anchor]
            if rng.random() < 0.5:
                picked.append(int(companions[anchor][rng.randrange(3)]))
            if trending_list and rng.random() < 0.05:
                picked.append(rng.choice(trending_list))
                when = now - rng.random() * 7 * 86400
            for item in picked:
                kind = rng.choices(kinds, shares)[0]
                rows.append((user_id, int(products.ids[item]), WEIGHTS[kind], when + rng.random() * 600))
        if user_id > n_users * 3:
            break
    return Interactions.from_rows(rows[:n_interactions]), profiles
