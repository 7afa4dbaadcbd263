"""Training and generation, as RQ jobs (`shop.jobs.enqueue`) and from `flask recommend train`.

Nothing here runs inside a request: the endpoints enqueue these and serve what they stored.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

import numpy as np
from flask import current_app

from shop.accounts.models import User
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.recommendations import sources, store
from shop.recommendations.training import (
    HYBRID_WEIGHTS,
    NEIGHBOURS,
    Model,
    UserScores,
    blend,
    score_users,
    top_items,
    train,
)

log = logging.getLogger("shop.recommendations")
PER_USER = 60  # stored per list: serving drops unavailable and bought products, then takes 10-20
GLOBAL = 200
# Reason codes (translated at the door, see shop.recommendations.serving.REASON_LABELS).
KIND_REASONS = {
    "collaborative": "bought_together",
    "content_based": "similar",
    "skin_based": "skin_match",
    "popular": "popular",
    "trending": "trending",
}


def _expiry(now: datetime) -> datetime:
    return now + current_app.config["RECOMMEND_TTL"]


def train_recommendations() -> dict[str, float]:
    """Train every model on all interactions and store neighbours, popular/trending lists and
    every active user's lists. Returns counts and the seconds it took."""
    started = time.perf_counter()
    now = utcnow()
    version = current_app.config["RECOMMENDATION_MODEL_VERSION"]
    store.ensure_indexes()
    products = sources.load_products()
    if not len(products):  # a shop with no active products yet: nothing to learn, nothing to store
        log.info("recommendations not trained: no active products")
        return {
            "products": 0,
            "interactions": 0,
            "similarity_documents": 0,
            "users": 0,
            "training_seconds": 0.0,
            "seconds": round(time.perf_counter() - started, 2),
        }
    interactions = sources.load_interactions()
    profiles = sources.load_profiles()
    model = train(interactions, products, now.timestamp())
    trained = time.perf_counter()
    expires = _expiry(now)
    ids = products.ids
    similar = store.save_similarity_documents(
        store.similarity_document(
            ids[row],
            kind,
            [(ids[c], s) for c, s in top_items(matrix, row, NEIGHBOURS)],
            now=now,
            expires_at=expires,
            version=version,
        )
        for kind, matrix in (("collaborative", model.collaborative), ("content_based", model.content))
        for row in range(len(ids))
        if matrix.indptr[row + 1] > matrix.indptr[row]
    )
    store.save_user_documents(
        store.user_document(
            None,
            kind,
            [(ids[c], s, KIND_REASONS[kind]) for c, s in top_items(scores.astype(np.float32), 0, GLOBAL)],
            now=now,
            expires_at=expires,
            version=version,
        )
        for kind, scores in (("popular", model.popular), ("trending", model.trending))
    )
    users = _store_user_lists(model, score_users(model, interactions, profiles), profiles, now, version)
    store.drop_older_than(now)
    # Product pages show "customers also bought" and "similar products": a new model makes
    # every cached page stale.
    from shop.catalog.services import invalidate_catalog_cache

    invalidate_catalog_cache()
    result = {
        "products": len(products),
        "interactions": len(interactions),
        "similarity_documents": similar,
        "users": users,
        "training_seconds": round(trained - started, 2),
        "seconds": round(time.perf_counter() - started, 2),
    }
    log.info("recommendations trained", extra={"fields": result})
    return result


def _store_user_lists(model: Model, scores: UserScores, profiles: dict, now: datetime, version: str) -> int:
    ids = model.products.ids
    expires = _expiry(now)
    for matrix in scores.by_kind.values():
        matrix.sort_indices()

    def documents():
        for row, user_id in enumerate(scores.user_ids):
            profile = profiles.get(int(user_id))
            skin_profile = (
                {"skin_type": profile[0], "concerns": profile[1], "avoid_ingredients": profile[2]} if profile else None
            )
            for kind in store.USER_KINDS:
                best = top_items(scores.by_kind[kind], row, PER_USER)
                if kind == "hybrid":
                    reasons = _strongest(scores, row, [c for c, _s in best])
                    items = [(ids[c], s, reason) for (c, s), reason in zip(best, reasons, strict=True)]
                else:
                    items = [(ids[c], s, KIND_REASONS[kind]) for c, s in best]
                yield store.user_document(
                    int(user_id), kind, items, now=now, expires_at=expires, version=version, skin_profile=skin_profile
                )

    store.save_user_documents(documents())
    return len(scores.user_ids)


def _strongest(scores: UserScores, row: int, columns: list[int]) -> list[str]:
    """The reason of each hybrid pick: the recommender that contributed most to it."""
    if not columns:
        return []
    wanted = np.asarray(columns)
    parts = []
    for kind, weight in HYBRID_WEIGHTS.items():
        matrix = scores.by_kind[kind]
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        indices, data = matrix.indices[start:end], matrix.data[start:end]
        found = np.searchsorted(indices, wanted)
        found = np.minimum(found, max(len(indices) - 1, 0))
        hit = (len(indices) > 0) & (indices[found] == wanted) if len(indices) else np.zeros(len(wanted), bool)
        parts.append(np.where(hit, data[found] if len(indices) else 0, 0) * weight)
    kinds = list(HYBRID_WEIGHTS)
    return [KIND_REASONS[kinds[i]] for i in np.argmax(np.vstack(parts), axis=0)]


def generate_user_recommendations(user_id: int) -> int:
    """One user's lists from the stored model (neighbours, popular) and their history and skin
    profile now: after a skin analysis, or on request. Returns how many lists were stored."""
    from shop.recommendations.serving import skin_based_items

    user = db.session.get(User, user_id)
    if user is None:
        return 0
    now = utcnow()
    version = current_app.config["RECOMMENDATION_MODEL_VERSION"]
    store.ensure_indexes()
    history = sources.load_interactions(user_id)
    weights: dict[int, float] = {}
    for pid, weight in zip(history.product_ids, history.weights, strict=True):
        weights[int(pid)] = weights.get(int(pid), 0.0) + float(weight)
    weights = {pid: float(np.log1p(w)) for pid, w in weights.items()}
    lists: dict[str, list[tuple[int, float]]] = {}
    for kind in store.PRODUCT_KINDS:
        totals: dict[int, float] = {}
        for pid, neighbours in store.similar_lists(weights, kind).items():
            for other, score in neighbours:
                totals[other] = totals.get(other, 0.0) + weights[pid] * score
        lists[kind] = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:PER_USER]
    profile = None
    if user.skin_concerns is not None:
        from shop.skin.services import profile_document, user_profile

        profile = user_profile(user)
        lists["skin_based"] = skin_based_items(profile, limit=PER_USER)
    popular = store.user_list(None, "popular")
    lists["popular"] = [(p["product_id"], p["score"]) for p in popular["recommended_products"]] if popular else []
    expires = _expiry(now)
    skin_profile = profile_document(profile) if profile else None
    documents = [
        store.user_document(
            user_id,
            kind,
            [(pid, s, KIND_REASONS[kind]) for pid, s in lists.get(kind, [])],
            now=now,
            expires_at=expires,
            version=version,
            skin_profile=skin_profile,
        )
        for kind in ("collaborative", "content_based", "skin_based")
    ]
    hybrid = [(pid, s, KIND_REASONS[kind]) for pid, s, kind in blend(lists)[:PER_USER]]
    documents.append(
        store.user_document(
            user_id, "hybrid", hybrid, now=now, expires_at=expires, version=version, skin_profile=skin_profile
        )
    )
    return store.save_user_documents(documents)


def train_if_untrained() -> dict[str, float] | None:
    """Train when the store holds no model yet but the shop has products: the embedded server's
    first start after `flask seed`. Otherwise nothing (the nightly job retrains)."""
    import sqlalchemy as sa

    from shop.catalog.models import Product

    if store.similarities().estimated_document_count() or not db.session.scalar(sa.select(sa.func.count(Product.id))):
        return None
    return train_recommendations()
