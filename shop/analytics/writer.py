"""Writing buffered records to MongoDB in the seed's shapes, and the collections' indexes.

`user_analytics`: one document per user (null for guests), session and UTC day, whose `events`
grow with `$push` (a new document is started after EVENTS_PER_DOCUMENT events); `created_at` is
the first event's time, `updated_at` the last write's.
A day per document keeps documents small and lets the TTL index expire raw events by age.
`search_analytics`: one document per search; clicks are added to `clicked_products`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import OperationFailure

from shop.analytics.device import device_info
from shop.analytics.tracking import EventType, Pending, SearchFilters

USER_ANALYTICS = "user_analytics"
SEARCH_ANALYTICS = "search_analytics"
PERFORMANCE_METRICS = "performance_metrics"
# Events per user_analytics document at most (about; one write may add a few more): a document
# must stay far below MongoDB's 16 MB, and rewriting a long array on each $push gets slow.
EVENTS_PER_DOCUMENT = 500
_OPTIONS_CONFLICT = (85, 86)  # IndexOptionsConflict, IndexKeySpecsConflict


def ensure_indexes(mongo: Database, raw_ttl_days: int) -> None:
    """The indexes the writes, insights and rollups need, and TTL indexes that expire raw events
    (`user_analytics` by `created_at`, `search_analytics` by `timestamp`) after `raw_ttl_days`."""
    users = mongo[USER_ANALYTICS]
    users.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)], name="user_time")
    users.create_index([("session_id", ASCENDING), ("created_at", DESCENDING)], name="session_time")
    users.create_index(
        [("events.event_type", ASCENDING), ("events.event_data.timestamp", ASCENDING)], name="event_type_time"
    )
    users.create_index([("events.event_data.product_id", ASCENDING)], name="event_product")
    users.create_index([("events.event_data.metadata.order_id", ASCENDING)], name="event_order", sparse=True)
    searches = mongo[SEARCH_ANALYTICS]
    searches.create_index([("search_query", ASCENDING), ("timestamp", DESCENDING)], name="query_time")
    searches.create_index([("user_id", ASCENDING), ("timestamp", DESCENDING)], name="user_time")
    searches.create_index([("session_id", ASCENDING)], name="session")
    mongo[PERFORMANCE_METRICS].create_index([("date", ASCENDING)], name="date", unique=True)
    seconds = int(timedelta(days=raw_ttl_days).total_seconds())
    _ttl_index(mongo, USER_ANALYTICS, "created_at", seconds)
    _ttl_index(mongo, SEARCH_ANALYTICS, "timestamp", seconds)


def _ttl_index(mongo: Database, collection: str, field: str, seconds: int) -> None:
    name = f"{field}_ttl"
    try:
        mongo[collection].create_index([(field, ASCENDING)], name=name, expireAfterSeconds=seconds)
    except OperationFailure as error:
        if error.code not in _OPTIONS_CONFLICT:
            raise
        # ANALYTICS_RAW_TTL_DAYS changed: change the existing index rather than fail.
        mongo.command("collMod", collection, index={"name": name, "expireAfterSeconds": seconds})


def write_batch(mongo: Database, records: list[Pending]) -> dict[str, int]:
    """Write `records`; returns how many of each kind were stored."""
    written: dict[str, int] = defaultdict(int)
    events = [r for r in records if r.kind == "event"]
    if events:
        written["event"] += _write_events(mongo, events)
    for record in records:
        if record.kind == "search":
            mongo[SEARCH_ANALYTICS].insert_one(_search_document(record))
            written["search"] += 1
        elif record.kind == "click":
            result = mongo[SEARCH_ANALYTICS].update_one(
                {"_id": record.payload["search_id"], "session_id": record.visitor.session_id},
                {"$addToSet": {"clicked_products": record.payload["product_id"]}},
            )
            written["click"] += result.matched_count
    return dict(written)


def _write_events(mongo: Database, records: list[Pending]) -> int:
    records = _without_recorded_purchases(mongo, records)
    groups: dict[tuple, list[Pending]] = defaultdict(list)
    for record in records:
        visitor = record.visitor
        groups[(visitor.user_id, visitor.session_id, record.at.date())].append(record)
    now = datetime.now(UTC)
    for (user_id, session_id, day), group in groups.items():
        start = datetime.combine(day, time.min, tzinfo=UTC)
        first = group[0]
        mongo[USER_ANALYTICS].update_one(
            {
                "user_id": user_id,
                "session_id": session_id,
                "created_at": {"$gte": start, "$lt": start + timedelta(1)},
                # A full document (a busy session, a bot) is left alone: the next one starts.
                f"events.{EVENTS_PER_DOCUMENT - 1}": {"$exists": False},
            },
            {
                "$push": {"events": {"$each": [r.payload for r in group]}},
                "$setOnInsert": {
                    "device_info": device_info(first.visitor.user_agent, first.visitor.ip_address),
                    "created_at": first.at,
                },
                "$set": {"updated_at": now},
            },
            upsert=True,
        )
    return len(records)


def _without_recorded_purchases(mongo: Database, records: list[Pending]) -> list[Pending]:
    order_ids = {
        r.payload["event_data"]["metadata"]["order_id"]
        for r in records
        if r.payload["event_type"] == EventType.PURCHASE
    }
    if not order_ids:
        return records
    recorded = set(
        mongo[USER_ANALYTICS].distinct(
            "events.event_data.metadata.order_id",
            {
                "events.event_type": str(EventType.PURCHASE),
                "events.event_data.metadata.order_id": {"$in": list(order_ids)},
            },
        )
    )
    kept, seen = [], set()
    for record in records:
        if record.payload["event_type"] == EventType.PURCHASE:
            data = record.payload["event_data"]
            key = (data["metadata"]["order_id"], data["product_id"])
            if key[0] in recorded or key in seen:
                continue
            seen.add(key)
        kept.append(record)
    return kept


def _search_document(record: Pending) -> dict[str, Any]:
    payload = record.payload
    filters: SearchFilters = payload["filters"]
    return {
        "_id": payload["_id"],
        "user_id": record.visitor.user_id,
        "search_query": payload["search_query"],
        "filters_applied": {
            "category": filters.category,
            "skin_type": filters.skin_type,
            "price_range": {"min": _decimal128(filters.min_price), "max": _decimal128(filters.max_price)},
            "brands": list(filters.brands),
        },
        "results_count": payload["results_count"],
        "clicked_products": list(payload["clicked_products"]),
        "session_id": record.visitor.session_id,
        "timestamp": record.at,
        "device_info": device_info(record.visitor.user_agent, record.visitor.ip_address),
    }


def _decimal128(value) -> Decimal128 | None:
    return Decimal128(value) if value is not None else None
