"""A bounded in-process buffer of analytics records, written to MongoDB by a background thread.

A request only appends to a deque (about a microsecond; it never blocks: when `capacity` records
are waiting the record is dropped and counted). The thread wakes every `ANALYTICS_FLUSH_SECONDS`,
or sooner when a batch is full, and writes what is waiting, a batch at a time. When MongoDB fails
the batch is dropped and counted, and the thread backs off; pages and orders never notice. The
capacity bounds the work left when a load stops: a worker that cannot keep up drops records
rather than write for minutes afterwards. On the embedded store (`appending`) the thread also caps
what is kept every `trim_seconds` when something was written, and expires old events every
`expire_seconds` (`writer.trim_embedded`: each is a scan of the whole store in mongomock), and the
written documents wait in its pending log until a reader asks (`settle`, shop.analytics.pending). Each
process (gunicorn worker, RQ worker) has its own buffer, started on its first record, so it also
works after a fork.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable

from pymongo.database import Database

from shop.analytics import metrics
from shop.analytics.pending import PendingLog
from shop.analytics.tracking import Pending
from shop.analytics.writer import ensure_indexes, trim_embedded, write_batch

log = logging.getLogger("shop.analytics")


class EventBuffer:
    def __init__(
        self,
        mongo: Database,
        *,
        capacity: int = 10_000,
        batch_size: int = 500,
        interval: float = 2.0,
        raw_ttl_days: int = 90,
        appending: bool = False,
        max_documents: int = 100_000,
        trim_seconds: float = 60.0,
        expire_seconds: float = 3600.0,
        enabled: bool = True,
    ) -> None:
        self.mongo = mongo
        self.enabled = enabled
        self.appending = appending
        self.max_documents = max_documents
        self.trim_seconds = trim_seconds
        self.expire_seconds = expire_seconds
        self._next_trim = 0.0
        self._next_expiry = 0.0
        self._ingested_at_trim = 0
        self.trimmed = 0
        self.capacity = capacity
        self.batch_size = batch_size
        self.interval = interval
        self.raw_ttl_days = raw_ttl_days
        self._records: deque[Pending] = deque()
        # The embedded store's written documents, until a reader asks (shop.analytics.pending).
        self.pending: PendingLog | None = PendingLog() if appending else None
        self._write_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._indexed = False
        self._failing_until = 0.0
        self.ingested = 0
        self.dropped = 0
        self.last_error: str | None = None

    @property
    def write_lock(self) -> threading.Lock:
        """Held while a batch is written: whoever copies the store takes it for a whole copy."""
        return self._write_lock

    @property
    def depth(self) -> int:
        """Records waiting to be written."""
        return len(self._records)

    def put(self, record: Pending) -> None:
        """Queue `record` without waiting; a full buffer drops it (counted). With analytics
        turned off (ANALYTICS_ENABLED=false) nothing is kept. No lock: a deque's append is atomic,
        and threads racing past the capacity check overfill it by a record or two at most."""
        if not self.enabled:
            return
        self._start()
        waiting = len(self._records)
        if waiting >= self.capacity:
            self._drop(1, "buffer_full")
            return
        self._records.append(record)
        if waiting + 1 >= self.batch_size and not self._wake.is_set():
            self._wake.set()

    def flush(self) -> int:
        """Write everything waiting now, in the caller's thread; returns how many were written."""
        total = 0
        while True:
            batch = self._take(self.batch_size)
            if not batch:
                return total
            total += self._write(batch)

    def _take(self, limit: int) -> list[Pending]:
        batch: list[Pending] = []
        take = self._records.popleft
        try:
            while len(batch) < limit:
                batch.append(take())
        except IndexError:
            pass
        metrics.BUFFER_DEPTH.set(self.depth)  # here, not on each put: a gauge takes a lock
        return batch

    def _write(self, batch: list[Pending]) -> int:
        with self._write_lock:
            try:
                if not self._indexed:
                    ensure_indexes(self.mongo, self.raw_ttl_days, ttl=not self.appending)
                    self._indexed = True
                written = write_batch(self.mongo, batch, appending=self.appending, pending=self.pending)
            except Exception as error:  # MongoDB down or refusing: the shop goes on without analytics
                self.last_error = type(error).__name__
                self._failing_until = time.monotonic() + min(30.0, self.interval * 5)
                self._drop(len(batch), "store_error")
                log.warning(
                    "analytics batch dropped", extra={"fields": {"records": len(batch), "error": type(error).__name__}}
                )
                return 0
        self.last_error = None
        for kind, count in written.items():
            metrics.EVENTS_INGESTED.labels(kind).inc(count)
        count = sum(written.values())
        self.ingested += count
        return count

    def settle(self) -> None:
        """Write what is waiting and, on the embedded store, move the pending documents into the
        database: after this a reader sees every event recorded before it asked."""
        self.flush()
        if self.pending is not None:
            with self._write_lock:
                self.pending.materialise(self.mongo)

    def forget_pending(self) -> None:
        """Throw away the pending documents (with the database they were for: tests)."""
        if self.pending is not None:
            with self._write_lock:
                self.pending.clear()

    def trim(self, *, expire: bool = True) -> int:
        """Cap the embedded store now, and with `expire` expire its old events (nothing to do with
        a MongoDB server, whose TTL indexes expire raw events); returns how many documents were
        removed."""
        if not self.appending:
            return 0
        with self._write_lock:
            removed = trim_embedded(
                self.mongo,
                raw_ttl_days=self.raw_ttl_days,
                max_documents=self.max_documents,
                expire=expire,
                pending=self.pending,
            )
        self.trimmed += removed
        if removed:
            log.info("analytics store trimmed", extra={"fields": {"documents": removed}})
        return removed

    def _drop(self, count: int, reason: str) -> None:
        self.dropped += count
        metrics.EVENTS_DROPPED.labels(reason).inc(count)

    def _start(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._start_lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="analytics-buffer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if time.monotonic() < self._failing_until:
                continue  # backing off: records wait (or are dropped when the buffer fills)
            try:
                self.flush()
                if self.appending:
                    self._trim_when_due()
            except Exception:  # never let the thread die
                log.exception("analytics flush failed")

    def _trim_when_due(self) -> None:
        """The cap when something was written since the last look, the expiry once in
        `expire_seconds` (events expire by the day): an idle worker scans nothing."""
        now = time.monotonic()
        if now < self._next_trim:
            return
        self._next_trim = now + self.trim_seconds
        expire = now >= self._next_expiry
        if expire:
            self._next_expiry = now + self.expire_seconds
        elif self.ingested == self._ingested_at_trim:
            return
        self._ingested_at_trim = self.ingested
        self.trim(expire=expire)


def init_buffer(app, mongo: Database) -> EventBuffer:
    """The app's buffer, configured from ANALYTICS_* settings; flushed once more at exit."""
    config = app.config
    buffer = EventBuffer(
        mongo,
        capacity=int(config.get("ANALYTICS_BUFFER_SIZE", 10_000)),
        batch_size=int(config.get("ANALYTICS_BATCH_SIZE", 500)),
        interval=float(config.get("ANALYTICS_FLUSH_SECONDS", 2.0)),
        raw_ttl_days=int(config.get("ANALYTICS_RAW_TTL_DAYS", 90)),
        appending=not config.get("MONGO_URI"),  # the embedded mongomock store
        max_documents=int(config.get("ANALYTICS_EMBEDDED_MAX_DOCUMENTS", 100_000)),
        enabled=bool(config.get("ANALYTICS_ENABLED", True)),
    )
    atexit.register(_quietly(buffer.flush))
    return buffer


def _quietly(func: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with contextlib.suppress(Exception):  # MongoDB may be gone at exit; nothing to tell anyone
            func()

    return run
