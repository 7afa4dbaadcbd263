"""Trained recommendations in MongoDB.

- `product_recommendations` (the seed's shape): one document per user and recommendation_type
  ('hybrid', 'collaborative', 'content_based', 'skin_based'), {user_id, recommendation_type,
  recommended_products: [{product_id, score, reason, generated_at}], skin_profile,
  model_version, created_at, expires_at}. The shop-wide lists are documents of the same shape
  with user_id null and recommendation_type 'popular' or 'trending'.
- `product_similarities` (ours): one document per product and kind ('collaborative': bought
  together, 'content_based': similar), {product_id, recommendation_type, similar_products:
  [{product_id, score}], model_version, created_at, expires_at}.

Both have a unique index on their key and a TTL index on expires_at: a model that is no longer
retrained disappears instead of going stale. Readers also skip expired documents (the TTL
monitor runs only once a minute).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReplaceOne
from pymongo.collection import Collection

from shop.analytics.store import get_mongo, read_or
from shop.infra.columns import utcnow

RECOMMENDATIONS = "product_recommendations"
SIMILARITIES = "product_similarities"
USER_KINDS = ("hybrid", "collaborative", "content_based", "skin_based")
GLOBAL_KINDS = ("popular", "trending")
PRODUCT_KINDS = ("collaborative", "content_based")
BULK = 2000


def recommendations() -> Collection:
    return get_mongo()[RECOMMENDATIONS]


def similarities() -> Collection:
    return get_mongo()[SIMILARITIES]


def ensure_indexes() -> None:
    """The unique keys and the TTL indexes (idempotent)."""
    recommendations().create_index(
        [("user_id", ASCENDING), ("recommendation_type", ASCENDING)], unique=True, name="user_type"
    )
    recommendations().create_index("expires_at", expireAfterSeconds=0, name="expires_at_ttl")
    similarities().create_index(
        [("product_id", ASCENDING), ("recommendation_type", ASCENDING)], unique=True, name="product_type"
    )
    similarities().create_index("expires_at", expireAfterSeconds=0, name="expires_at_ttl")


def user_document(
    user_id: int | None,
    kind: str,
    items: Iterable[tuple[int, float, str]],
    *,
    now: datetime,
    expires_at: datetime,
    version: str,
    skin_profile: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A product_recommendations document; `items` are (product id, score, reason code)."""
    return {
        "user_id": user_id,
        "recommendation_type": kind,
        "recommended_products": [
            {"product_id": int(pid), "score": round(float(score), 6), "reason": reason, "generated_at": now}
            for pid, score, reason in items
        ],
        "skin_profile": skin_profile,
        "model_version": version,
        "created_at": now,
        "expires_at": expires_at,
    }


def similarity_document(
    product_id: int, kind: str, items: Iterable[tuple[int, float]], *, now: datetime, expires_at: datetime, version: str
) -> dict[str, Any]:
    return {
        "product_id": int(product_id),
        "recommendation_type": kind,
        "similar_products": [{"product_id": int(pid), "score": round(float(score), 6)} for pid, score in items],
        "model_version": version,
        "created_at": now,
        "expires_at": expires_at,
    }


def save_user_documents(documents: Iterable[dict[str, Any]]) -> int:
    """Replace each (user, type) document."""
    return _replace(recommendations(), documents, ("user_id", "recommendation_type"))


def save_similarity_documents(documents: Iterable[dict[str, Any]]) -> int:
    """Replace each (product, type) document."""
    return _replace(similarities(), documents, ("product_id", "recommendation_type"))


def _replace(collection: Collection, documents: Iterable[dict[str, Any]], key: tuple[str, str]) -> int:
    written, batch = 0, []
    for document in documents:
        batch.append(ReplaceOne({k: document[k] for k in key}, document, upsert=True))
        if len(batch) >= BULK:
            collection.bulk_write(batch, ordered=False)
            written, batch = written + len(batch), []
    if batch:
        collection.bulk_write(batch, ordered=False)
        written += len(batch)
    return written


def drop_older_than(moment: datetime) -> None:
    """Remove what an earlier training wrote and this one did not (users or products gone)."""
    recommendations().delete_many({"created_at": {"$lt": moment}})
    similarities().delete_many({"created_at": {"$lt": moment}})


def user_list(user_id: int | None, kind: str) -> dict[str, Any] | None:
    """A live (not expired) product_recommendations document; None also when MongoDB is down
    (the callers fall back to what the catalog knows)."""
    query = {"user_id": user_id, "recommendation_type": kind, "expires_at": {"$gt": utcnow()}}
    return read_or(None, lambda: recommendations().find_one(query), reader="recommendations")


def similar_list(product_id: int, kind: str) -> dict[str, Any] | None:
    """A live product_similarities document; None also when MongoDB is down."""
    query = {"product_id": product_id, "recommendation_type": kind, "expires_at": {"$gt": utcnow()}}
    return read_or(None, lambda: similarities().find_one(query), reader="similar_products")


def similar_lists(product_ids: Iterable[int], kind: str) -> dict[int, list[tuple[int, float]]]:
    """Live neighbour lists of many products: product id -> [(neighbour id, score)]."""
    cursor = similarities().find(
        {"product_id": {"$in": list(product_ids)}, "recommendation_type": kind, "expires_at": {"$gt": utcnow()}}
    )
    return {d["product_id"]: [(s["product_id"], s["score"]) for s in d["similar_products"]] for d in cursor}
