"""The event buffer: bounded (a full buffer drops and counts), written by its thread on a timer or
when a batch is full, written out when the server stops; the embedded store is saved only when
something may have changed, and trimmed only when there is something to trim."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import mongomock_ng as mongomock
from bson import json_util

from shop.analytics import metrics
from shop.analytics.buffer import EventBuffer
from shop.analytics.tracking import Pending, Visitor

VISITOR = Visitor("session-1", None, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "10.1.2.3")


def _view(n: int, at: datetime | None = None) -> Pending:
    at = at or datetime.now(UTC)
    payload = {
        "event_type": "page_view",
        "event_data": {
            "product_id": None,
            "category": None,
            "page_url": f"/shop?page={n}",
            "timestamp": at,
            "metadata": {},
        },
    }
    return Pending("event", VISITOR, payload, at)


def _stored(mongo, buffer: EventBuffer | None = None) -> list[str]:
    """The pages of the stored events, those still in `buffer`'s pending log too."""
    documents = list(mongo["user_analytics"].find())
    if buffer is not None and buffer.pending is not None:
        with buffer.write_lock:
            documents += buffer.pending.documents("user_analytics")
    return sorted(e["event_data"]["page_url"] for d in documents for e in d["events"])


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_full_buffer_drops_and_counts_what_it_cannot_hold():
    mongo = mongomock.MongoClient(tz_aware=True)["buffer"]
    buffer = EventBuffer(mongo, capacity=3, interval=3600, appending=True)
    full = metrics.EVENTS_DROPPED.labels("buffer_full")
    before = full._value.get()
    for n in range(5):
        buffer.put(_view(n))
    assert (buffer.depth, buffer.dropped) == (3, 2)
    assert full._value.get() == before + 2
    assert buffer.flush() == 3
    buffer.settle()
    assert _stored(mongo) == ["/shop?page=0", "/shop?page=1", "/shop?page=2"]
    assert buffer.depth == 0 and buffer.ingested == 3


def test_the_thread_writes_on_its_timer_and_as_soon_as_a_batch_is_full():
    mongo = mongomock.MongoClient(tz_aware=True)["buffer"]
    timed = EventBuffer(mongo, interval=0.05, appending=True)
    timed.put(_view(1))
    assert _wait_for(lambda: _stored(mongo, timed) == ["/shop?page=1"])

    batched = mongomock.MongoClient(tz_aware=True)["batched"]
    buffer = EventBuffer(batched, interval=3600, batch_size=3, appending=True)
    for n in range(3):
        buffer.put(_view(n))
    assert _wait_for(lambda: len(_stored(batched, buffer)) == 3)  # woken by the full batch, not the hour
    assert buffer.depth == 0


def test_an_idle_embedded_store_is_not_scanned_again():
    """The cap is looked at only after writes, the expiry once in `expire_seconds`."""
    mongo = mongomock.MongoClient(tz_aware=True)["buffer"]
    buffer = EventBuffer(mongo, interval=3600, appending=True, max_documents=1, trim_seconds=0, expire_seconds=3600)
    old = datetime.now(UTC) - timedelta(days=120)
    buffer.put(_view(1, at=old))
    buffer.put(Pending("event", Visitor("session-2"), _view(2).payload))
    buffer.flush()
    buffer._trim_when_due()  # the first look expires (the 120-day-old event) and caps
    assert _stored(mongo) == ["/shop?page=2"] and buffer.trimmed == 1
    mongo["user_analytics"].insert_one({"events": [], "created_at": old})  # written behind its back
    buffer._trim_when_due()
    assert mongo["user_analytics"].count_documents({}) == 2  # nothing written through it: no scan
    buffer.put(_view(3))
    buffer.flush()
    buffer._trim_when_due()  # written: the cap (not the expiry, not due for an hour)
    assert _stored(mongo, buffer) == ["/shop?page=3"] and buffer.trimmed == 3
    # The new event is still pending: the cap counted it and removed the two stored ones.
    assert mongo["user_analytics"].count_documents({}) == 0 and len(buffer.pending or ()) == 1


def test_the_embedded_store_is_saved_when_it_changed_and_when_the_server_stops(make_app, db, tmp_path):
    from shop.analytics import tracking
    from shop.analytics.persistence import open_file_store
    from shop.analytics.store import get_mongo
    from shop.embedded import stop_server_services

    path = tmp_path / "analytics.json"
    app = make_app(ANALYTICS_FILE=str(path), ANALYTICS_FLUSH_SECONDS="3600")
    with app.app_context():
        store = open_file_store(app)
        assert store is not None
        assert store.save(only_changed=True) is None  # just loaded: nothing to write
        tracking.track_event(VISITOR, tracking.EventType.PAGE_VIEW, page_url="/first")
        assert store.save(only_changed=True) == 1
        assert store.save(only_changed=True) is None  # an idle server leaves its file alone
        get_mongo()["skin_analyses"].insert_one({"user_id": 1})  # any other writer
        assert store.save(only_changed=True) == 2
        tracking.track_event(VISITOR, tracking.EventType.PAGE_VIEW, page_url="/last")  # still in the buffer
        assert app.extensions["analytics_buffer"].depth == 1
        stop_server_services(app)  # gunicorn's worker_exit
    saved = json_util.loads(path.read_text())["collections"]["user_analytics"]
    assert sorted(e["event_data"]["page_url"] for d in saved for e in d["events"]) == ["/first", "/last"]
