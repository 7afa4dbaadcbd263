"""The embedded store's pending log: what the buffer writes is kept as BSON until a reader asks.
Readers see every event recorded before they read, whether it is still pending or already moved
into the database; a restart loses nothing; the cap and the expiry still apply; and the stored
documents are the ones mongomock's insert_many would have stored."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta, timezone

import mongomock_ng as mongomock
from bson import ObjectId

from shop.analytics import insights, tracking
from shop.analytics.buffer import EventBuffer
from shop.analytics.pending import PendingLog
from shop.analytics.tracking import EventType, Pending, SearchFilters, Visitor
from shop.analytics.writer import trim_embedded, write_batch
from shop.reporting.analytics import product_funnel
from tests.analytics.sample_events import ALICE, BOB
from tests.analytics.sample_events import make_event as _event


def _batch() -> list[Pending]:
    from decimal import Decimal

    plus_seven = timezone(timedelta(hours=7))  # Phnom Penh: stored as UTC, to the millisecond
    search = {
        "_id": ObjectId(),
        "search_query": "serum",
        "filters": SearchFilters(category="serums", min_price=Decimal("5"), max_price=Decimal("30.50")),
        "results_count": 3,
        "clicked_products": [1],
    }
    viewed = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=plus_seven)
    return [  # Alice's two events on one UTC day: one document (a day per document)
        _event(ALICE, EventType.PRODUCT_VIEW, 1, at=viewed),
        _event(
            ALICE,
            EventType.PURCHASE,
            1,
            at=viewed + timedelta(minutes=3),
            order_id=55,
            quantity=2,
            unit_price="12.50",
            tags=["a", "b"],
        ),
        _event(BOB, EventType.PAGE_VIEW),
        Pending("search", BOB, search),
    ]


def _without_ids(documents: list[dict]) -> list[dict]:
    """The documents without what differs between two writes (their ids, the write's time)."""
    return [{key: value for key, value in doc.items() if key not in ("_id", "updated_at")} for doc in documents]


def test_pending_documents_read_back_as_insert_many_stores_them():
    records = _batch()
    inserted = mongomock.MongoClient(tz_aware=True)["inserted"]
    logged = mongomock.MongoClient(tz_aware=True)["logged"]
    write_batch(inserted, records, appending=True)
    pending = PendingLog()
    write_batch(logged, records, appending=True, pending=pending)
    assert logged["user_analytics"].count_documents({}) == 0 and len(pending) == 3

    assert pending.materialise(logged) == 3
    for name in ("user_analytics", "search_analytics"):
        expected = _without_ids(list(inserted[name].find().sort("session_id")))
        assert _without_ids(list(logged[name].find().sort("session_id"))) == expected
    view = logged["user_analytics"].find_one({"session_id": "alice-session"})["events"][0]
    assert view["event_data"]["timestamp"] == datetime(2026, 12, 7, 2, 30, 15, 123000, tzinfo=UTC)
    pipeline = [{"$unwind": "$events"}, {"$group": {"_id": "$events.event_type", "n": {"$sum": 1}}}]
    assert sorted(map(str, logged["user_analytics"].aggregate(pipeline))) == sorted(
        map(str, inserted["user_analytics"].aggregate(pipeline))
    )


def test_readers_see_events_recorded_just_before_they_read(app, analytics):
    buffer = analytics.buffer
    with app.app_context():
        tracking.track_event(ALICE, EventType.PRODUCT_VIEW, product_id=3, category="serum", page_url="/p/3")
        assert buffer.depth == 1  # not even written yet
        assert insights.user_insights(7)["event_counts"]["product_view"] == 1
        assert len(buffer.pending or ()) == 0  # the reader moved it into the database

        tracking.track_event(ALICE, EventType.PRODUCT_VIEW, product_id=3, category="serum", page_url="/p/3")
        buffer.flush()
        assert len(buffer.pending or ()) == 1  # written, pending
        assert insights.product_stats(3)["views"] == 2
        [row] = product_funnel(date.today() - timedelta(days=1), date.today() + timedelta(days=1)) or []
        assert (row.product_id, row.views) == (3, 2)


def test_a_restart_loses_neither_pending_nor_stored_events(make_app, db, tmp_path):
    from shop.analytics.persistence import open_file_store

    path = tmp_path / "analytics.json"
    app = make_app(ANALYTICS_FILE=str(path), ANALYTICS_FLUSH_SECONDS="3600")
    with app.app_context():
        store = open_file_store(app)
        assert store is not None
        buffer = app.extensions["analytics_buffer"]
        tracking.track_event(ALICE, EventType.PAGE_VIEW, page_url="/stored")
        buffer.settle()
        tracking.track_event(BOB, EventType.PAGE_VIEW, page_url="/pending")
        buffer.flush()
        assert len(buffer.pending) == 1
        assert store.save() == 2
        assert len(buffer.pending) == 1  # saving does not move them into the database
        store.close()

    again = make_app(ANALYTICS_FILE=str(path))
    with again.app_context():
        reopened = open_file_store(again)
        assert reopened is not None
        pages = sorted(
            e["event_data"]["page_url"] for d in again.extensions["mongo"]["user_analytics"].find() for e in d["events"]
        )
        assert pages == ["/pending", "/stored"]
        reopened.close()


def test_the_cap_counts_pending_documents_and_the_expiry_reaches_them():
    mongo = mongomock.MongoClient(tz_aware=True)["capped"]
    pending = PendingLog()
    now = datetime.now(UTC)
    write_batch(
        mongo, [_event(Visitor("stored-old"), EventType.PAGE_VIEW, at=now - timedelta(days=40))], appending=True
    )
    write_batch(mongo, [_event(Visitor("stored"), EventType.PAGE_VIEW, at=now - timedelta(minutes=5))], appending=True)
    for n in range(3):
        at = now - timedelta(minutes=3 - n)
        write_batch(
            mongo, [_event(Visitor(f"pending-{n}"), EventType.PAGE_VIEW, at=at)], appending=True, pending=pending
        )

    # The cap alone: the stored documents are the oldest, then the oldest pending one.
    assert trim_embedded(mongo, raw_ttl_days=30, max_documents=2, now=now, expire=False, pending=pending) == 3
    assert mongo["user_analytics"].count_documents({}) == 0
    assert [d["session_id"] for d in pending.documents("user_analytics")] == ["pending-1", "pending-2"]

    old = now - timedelta(days=40)
    write_batch(mongo, [_event(Visitor("pending-old"), EventType.PAGE_VIEW, at=old)], appending=True, pending=pending)
    assert trim_embedded(mongo, raw_ttl_days=30, max_documents=10, now=now, pending=pending) == 1
    assert len(pending) == 0
    assert sorted(d["session_id"] for d in mongo["user_analytics"].find()) == ["pending-1", "pending-2"]


def test_writers_and_a_reader_in_threads_see_every_event():
    mongo = mongomock.MongoClient(tz_aware=True)["threads"]
    buffer = EventBuffer(mongo, interval=0.01, batch_size=50, appending=True, capacity=100_000)
    per_writer, writers = 400, 4
    seen: list[int] = []
    done = threading.Event()

    def write(number: int) -> None:
        for n in range(per_writer):
            buffer.put(_event(Visitor(f"w{number}-{n % 7}"), EventType.PAGE_VIEW))

    def read() -> None:
        while not done.is_set():
            buffer.settle()
            pipeline = [{"$unwind": "$events"}, {"$count": "n"}]
            seen.append(next(iter(mongo["user_analytics"].aggregate(pipeline)), {"n": 0})["n"])

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    buffer.settle()

    assert (
        mongo["user_analytics"].aggregate([{"$unwind": "$events"}, {"$count": "n"}]).next()["n"] == per_writer * writers
    )
    assert buffer.ingested == per_writer * writers and buffer.dropped == 0
    assert seen == sorted(seen)  # a reader never sees events disappear


def test_an_empty_analytics_file_setting_means_no_file():
    code = "from shop.config import Config; print(repr(Config.ANALYTICS_FILE))"
    env = {**os.environ, "ANALYTICS_FILE": ""}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "None"
