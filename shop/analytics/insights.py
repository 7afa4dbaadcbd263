"""Reading the analytics back: a shopper's insights, a product's stats, search trends, metrics.

All figures are over the raw events still kept (see ANALYTICS_RAW_TTL_DAYS) within `days`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import Any, TypeVar

from bson.decimal128 import Decimal128
from flask_babel import lazy_gettext as _l
from pymongo.errors import PyMongoError

from shop.analytics.store import get_events_mongo, get_mongo
from shop.analytics.tracking import EventType
from shop.analytics.writer import PERFORMANCE_METRICS, SEARCH_ANALYTICS, USER_ANALYTICS
from shop.errors import ShopError

TOP = 10
F = TypeVar("F", bound=Callable[..., Any])


class AnalyticsUnavailable(ShopError):
    """MongoDB cannot be read right now."""

    status = 503
    code = "analytics_unavailable"
    default_message = _l("Analytics are unavailable right now. Please try again later.")


def _reads_mongo(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PyMongoError as error:
            raise AnalyticsUnavailable() from error

    return wrapper  # type: ignore[return-value]


def _since(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


@_reads_mongo
def user_insights(user_id: int, *, days: int = 90) -> dict[str, Any]:
    """What one shopper did: events by type, most viewed products and categories, devices,
    sessions, last activity and recent searches."""
    mongo = get_events_mongo()
    match = {"user_id": user_id, "created_at": {"$gte": _since(days)}}
    counts = {str(t): 0 for t in EventType}
    products: dict[int, int] = {}
    categories: dict[str, int] = {}
    devices: set[str] = set()
    sessions: set[str] = set()
    last_seen = None
    for document in mongo[USER_ANALYTICS].find(
        match, {"events": 1, "session_id": 1, "device_info": 1, "updated_at": 1}
    ):
        sessions.add(document["session_id"])
        devices.add((document.get("device_info") or {}).get("device_type") or "other")
        last_seen = max(filter(None, (last_seen, document.get("updated_at"))), default=None)
        for event in document.get("events", []):
            counts[event["event_type"]] = counts.get(event["event_type"], 0) + 1
            data = event["event_data"]
            if event["event_type"] == EventType.PRODUCT_VIEW:
                if data.get("product_id") is not None:
                    products[data["product_id"]] = products.get(data["product_id"], 0) + 1
                if data.get("category"):
                    categories[data["category"]] = categories.get(data["category"], 0) + 1
    searches = mongo[SEARCH_ANALYTICS].find(
        {"user_id": user_id, "timestamp": {"$gte": _since(days)}}, {"search_query": 1, "timestamp": 1}
    )
    recent = [
        {"query": s["search_query"], "timestamp": s["timestamp"]} for s in searches.sort("timestamp", -1).limit(TOP)
    ]
    return {
        "user_id": user_id,
        "days": days,
        "event_counts": counts,
        "sessions": len(sessions),
        "devices": sorted(devices),
        "last_seen": last_seen,
        "top_products": _top(products, "product_id"),
        "top_categories": _top(categories, "category"),
        "recent_searches": recent,
    }


def _top(counts: dict, key: str) -> list[dict[str, Any]]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:TOP]
    return [{key: k, "views": n} for k, n in ranked]


@_reads_mongo
def product_stats(product_id: int, *, days: int = 30) -> dict[str, Any]:
    """One product's views, distinct viewing sessions, cart adds, purchases (units), search
    clicks, and the view-to-purchase conversion."""
    mongo = get_events_mongo()
    pipeline: list[dict[str, Any]] = [
        {"$match": {"created_at": {"$gte": _since(days)}, "events.event_data.product_id": product_id}},
        {"$unwind": "$events"},
        {"$match": {"events.event_data.product_id": product_id}},
        {
            "$group": {
                "_id": "$events.event_type",
                "n": {"$sum": 1},
                "sessions": {"$addToSet": "$session_id"},
                "units": {"$sum": {"$ifNull": ["$events.event_data.metadata.quantity", 0]}},
            }
        },
    ]
    rows = {row["_id"]: row for row in mongo[USER_ANALYTICS].aggregate(pipeline)}
    views = rows.get(EventType.PRODUCT_VIEW, {}).get("n", 0)
    purchases = rows.get(EventType.PURCHASE, {})
    clicks = mongo[SEARCH_ANALYTICS].count_documents(
        {"timestamp": {"$gte": _since(days)}, "clicked_products": product_id}
    )
    viewers = len(rows.get(EventType.PRODUCT_VIEW, {}).get("sessions", []))
    buyers = len(purchases.get("sessions", []))
    return {
        "product_id": product_id,
        "days": days,
        "views": views,
        "unique_viewers": viewers,
        "cart_adds": rows.get(EventType.CART_ADD, {}).get("n", 0),
        "purchases": purchases.get("units", 0),
        "orders": purchases.get("n", 0),
        "search_clicks": clicks,
        "conversion_rate": round(buyers / viewers, 4) if viewers else 0.0,
    }


def _query_groups(days: int) -> list[dict[str, Any]]:
    return [
        {"$match": {"timestamp": {"$gte": _since(days)}, "search_query": {"$ne": ""}}},
        {
            "$group": {
                "_id": {"$toLower": "$search_query"},
                "searches": {"$sum": 1},
                "sessions": {"$addToSet": "$session_id"},
                "avg_results": {"$avg": "$results_count"},
                "zero_results": {"$sum": {"$cond": [{"$eq": ["$results_count", 0]}, 1, 0]}},
                "with_clicks": {"$sum": {"$cond": [{"$gt": [{"$size": "$clicked_products"}, 0]}, 1, 0]}},
            }
        },
        {"$addFields": {"session_count": {"$size": "$sessions"}}},
    ]


@_reads_mongo
def search_trends(*, days: int = 7, limit: int = 20) -> dict[str, Any]:
    """Staff view of search: the most searched queries with their result counts and
    click-through, and the searches that found nothing."""
    collection = get_events_mongo()[SEARCH_ANALYTICS]
    rows = list(collection.aggregate([*_query_groups(days), {"$sort": {"searches": -1, "_id": 1}}]))
    total = sum(r["searches"] for r in rows)

    def entry(row: dict) -> dict[str, Any]:
        return {
            "query": row["_id"],
            "searches": row["searches"],
            "sessions": row["session_count"],
            "avg_results": round(row["avg_results"] or 0, 2),
            "zero_results": row["zero_results"],
            "click_through_rate": round(row["with_clicks"] / row["searches"], 4),
        }

    zero = sorted((r for r in rows if r["zero_results"]), key=lambda r: (-r["zero_results"], r["_id"]))
    return {
        "days": days,
        "total_searches": total,
        "distinct_queries": len(rows),
        "top_queries": [entry(r) for r in rows[:limit]],
        "zero_result_queries": [{"query": r["_id"], "searches": r["zero_results"]} for r in zero[:limit]],
    }


@_reads_mongo
def trending_queries(*, days: int = 7, limit: int = 10, min_sessions: int = 2) -> list[dict[str, Any]]:
    """What shoppers search for most, for anyone to see: only queries searched from at least
    `min_sessions` sessions, so no one's own search is shown, and only ones that found something."""
    collection = get_events_mongo()[SEARCH_ANALYTICS]
    rows = collection.aggregate(
        [
            *_query_groups(days),
            {"$match": {"session_count": {"$gte": min_sessions}, "avg_results": {"$gt": 0}}},
            {"$sort": {"session_count": -1, "searches": -1, "_id": 1}},
            {"$limit": limit},
        ]
    )
    return [{"query": r["_id"], "searches": r["searches"]} for r in rows]


@_reads_mongo
def performance_metrics(date_from: date, date_to: date) -> list[dict[str, Any]]:
    """The stored daily metrics from `date_from` to `date_to` (inclusive), oldest first, with
    money as strings."""
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to, time.min, tzinfo=UTC) + timedelta(days=1)
    documents = get_mongo()[PERFORMANCE_METRICS].find({"date": {"$gte": start, "$lt": end}}).sort("date", 1)
    return [
        {"date": d["date"].date().isoformat(), "metrics": _plain(d["metrics"]), "created_at": d["created_at"]}
        for d in documents
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
