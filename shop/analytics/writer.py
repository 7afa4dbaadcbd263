"""Writing buffered records to MongoDB in the seed's shapes, and the collections' indexes.

`user_analytics`: one document per user (null for guests), session and UTC day, whose `events`
grow with `$push` (a new document is started after EVENTS_PER_DOCUMENT events); `created_at` is
the first event's time, `updated_at` the last write's.
A day per document keeps documents small and lets the TTL index expire raw events by age.
`search_analytics`: one document per search; clicks are added to `clicked_products`.

With a MongoDB server each batch is one `bulk_write` per collection (upserts use the indexes). The
embedded store (mongomock, `appending=True`) has no real indexes: every filtered update and every
TTL index scans all stored documents, so a write there costs as much as the store is large and a
busy worker fell behind for minutes. There a batch only appends: one new document per user,
session and day of the batch (readers already take several documents of one session), clicks on
a search of the same batch go into that search before it is stored, and no TTL index is made:
`trim_embedded` expires and caps the store instead. The buffer passes its pending log: the new
documents go there as BSON rather than through mongomock's insert (shop.analytics.pending).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import OperationFailure

from shop.analytics.device import device_info
from shop.analytics.pending import PendingLog
from shop.analytics.tracking import EventType, Pending, SearchFilters

USER_ANALYTICS = "user_analytics"
SEARCH_ANALYTICS = "search_analytics"
PERFORMANCE_METRICS = "performance_metrics"
# Events per user_analytics document at most (about; one write may add a few more): a document
# must stay far below MongoDB's 16 MB, and rewriting a long array on each $push gets slow.
EVENTS_PER_DOCUMENT = 500
_OPTIONS_CONFLICT = (85, 86)  # IndexOptionsConflict, IndexKeySpecsConflict


def ensure_indexes(mongo: Database, raw_ttl_days: int, *, ttl: bool = True) -> None:
    """The indexes the writes, insights and rollups need, and TTL indexes that expire raw events
    (`user_analytics` by `created_at`, `search_analytics` by `timestamp`) after `raw_ttl_days`
    (not with `ttl=False`: the embedded store, where `trim_embedded` expires them)."""
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
    if not ttl:
        return
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


def write_batch(
    mongo: Database, records: list[Pending], *, appending: bool = False, pending: PendingLog | None = None
) -> dict[str, int]:
    """Write `records`; returns how many of each kind were stored. `appending`: the embedded
    store's way (new documents only, see the module's docstring); with `pending`, the new
    documents go to that log instead of into mongomock (shop.analytics.pending)."""
    written: dict[str, int] = defaultdict(int)
    events = [r for r in records if r.kind == "event"]
    if events:
        written["event"] += _write_events(mongo, events, appending=appending, pending=pending)
    searches = {r.payload["_id"]: _search_document(r) for r in records if r.kind == "search"}
    clicks = [r for r in records if r.kind == "click"]
    later_clicks: list[Pending] = []
    for click in clicks:
        search = searches.get(click.payload["search_id"])
        if search is not None and search["session_id"] == click.visitor.session_id:
            if click.payload["product_id"] not in search["clicked_products"]:
                search["clicked_products"].append(click.payload["product_id"])
            written["click"] += 1
        else:
            later_clicks.append(click)
    if searches:
        _append(mongo, SEARCH_ANALYTICS, list(searches.values()), pending)
        written["search"] += len(searches)
    if later_clicks:
        if pending is not None:
            pending.materialise(mongo)  # the clicked search may still be pending
        result = mongo[SEARCH_ANALYTICS].bulk_write(
            [
                UpdateOne(
                    {"_id": click.payload["search_id"], "session_id": click.visitor.session_id},
                    {"$addToSet": {"clicked_products": click.payload["product_id"]}},
                )
                for click in later_clicks
            ],
            ordered=False,
        )
        written["click"] += result.matched_count
    return dict(written)


def _append(mongo: Database, collection: str, documents: list[dict[str, Any]], pending: PendingLog | None) -> None:
    if pending is not None:
        pending.add(collection, documents)
    else:
        mongo[collection].insert_many(documents, ordered=False)


def _write_events(mongo: Database, records: list[Pending], *, appending: bool, pending: PendingLog | None) -> int:
    records = _without_recorded_purchases(mongo, records, pending)
    groups: dict[tuple, list[Pending]] = defaultdict(list)
    for record in records:
        visitor = record.visitor
        groups[(visitor.user_id, visitor.session_id, record.at.date())].append(record)
    now = datetime.now(UTC)
    operations: list[UpdateOne] = []
    documents: list[dict[str, Any]] = []
    for (user_id, session_id, day), group in groups.items():
        first = group[0]
        device = device_info(first.visitor.user_agent, first.visitor.ip_address)
        events = [r.payload for r in group]
        if appending:
            documents.append(
                {
                    "user_id": user_id,
                    "session_id": session_id,
                    "events": events,
                    "device_info": device,
                    "created_at": first.at,
                    "updated_at": now,
                }
            )
            continue
        start = datetime.combine(day, time.min, tzinfo=UTC)
        operations.append(
            UpdateOne(
                {
                    "user_id": user_id,
                    "session_id": session_id,
                    "created_at": {"$gte": start, "$lt": start + timedelta(1)},
                    # A full document (a busy session, a bot) is left alone: the next one starts.
                    f"events.{EVENTS_PER_DOCUMENT - 1}": {"$exists": False},
                },
                {
                    "$push": {"events": {"$each": events}},
                    "$setOnInsert": {"device_info": device, "created_at": first.at},
                    "$set": {"updated_at": now},
                },
                upsert=True,
            )
        )
    if documents:  # one insert for the batch; our own documents need no validator
        _append(mongo, USER_ANALYTICS, documents, pending)
    if operations:
        mongo[USER_ANALYTICS].bulk_write(operations, ordered=False)
    return len(records)


def trim_embedded(
    mongo: Database,
    *,
    raw_ttl_days: int,
    max_documents: int,
    now: datetime | None = None,
    expire: bool = True,
    pending: PendingLog | None = None,
) -> int:
    """With `expire`, expire raw events older than `raw_ttl_days` (what the TTL index does on a
    server); keep at most `max_documents` of each raw collection, the newest: the embedded store
    lives in the server's memory and in one file. Documents still in `pending` (the newest)
    count towards the cap; the expiry moves them into the database first. Returns how many
    documents were removed."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=raw_ttl_days)
    if expire and pending is not None:
        pending.materialise(mongo)
    removed = 0
    for name, field in ((USER_ANALYTICS, "created_at"), (SEARCH_ANALYTICS, "timestamp")):
        collection = mongo[name]
        if expire:
            removed += collection.delete_many({field: {"$lt": cutoff}}).deleted_count
        stored = collection.estimated_document_count()
        excess = stored + (pending.count(name) if pending is not None else 0) - max_documents
        if excess > 0:
            from_store = min(excess, stored)
            oldest = [d["_id"] for d in collection.find({}, {"_id": 1}).sort(field, ASCENDING).limit(from_store)]
            removed += collection.delete_many({"_id": {"$in": oldest}}).deleted_count
            if pending is not None and excess > from_store:
                removed += pending.drop_oldest(name, excess - from_store)
    return removed


def _without_recorded_purchases(mongo: Database, records: list[Pending], pending: PendingLog | None) -> list[Pending]:
    order_ids = {
        r.payload["event_data"]["metadata"]["order_id"]
        for r in records
        if r.payload["event_type"] == EventType.PURCHASE
    }
    if not order_ids:
        return records
    if pending is not None:
        pending.materialise(mongo)  # the order may have been recorded by an earlier batch
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
