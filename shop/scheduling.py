"""Scheduled work: ONE table of jobs and when they run.

Where they run:
- with Redis, in `make worker` (worker.py): each job is put on RQ's scheduled registry for its
  next time (`enqueue_at`); RQ's scheduler (the worker's `with_scheduler=True`) moves it to the
  queue when it is due, and the job first schedules its next run, then works. A job's run is
  claimed once per time slot in Redis, so two workers never run the same slot twice;
- without Redis (the embedded default), in a thread of the server's one worker process;
- a job marked `uses_analytics` needs the analytics store: without MONGO_URI that store lives in
  the server process (an in-process mongomock database), so such jobs always run in the server
  then, never in an RQ worker (whose own store would be empty and thrown away).

Every job is idempotent (running a slot twice changes nothing more) and logs what it did.

To add one, append a `Scheduled` to SCHEDULE, e.g. a payment sweep every minute:

    Scheduled("payment-sweep", "shop.payments.jobs.sweep_pending", every=timedelta(minutes=1)),

`func` is the dotted path of a function taking no arguments; `at` is a daily UTC time, `every`
a period (runs at whole multiples of it since the epoch, e.g. each minute on the minute).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import logging
import threading
import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from flask import Flask

log = logging.getLogger("shop.scheduling")
CLAIM_PREFIX = "shop:scheduled"


@dataclass(frozen=True)
class Scheduled:
    name: str
    func: str
    at: time | None = None  # daily, at this UTC time
    every: timedelta | None = None
    uses_analytics: bool = False

    def __post_init__(self) -> None:
        if (self.at is None) == (self.every is None):
            raise ValueError(f"{self.name}: give either `at` or `every`")

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after `moment` (aware UTC)."""
        if self.every is not None:
            period = self.every.total_seconds()
            return datetime.fromtimestamp((moment.timestamp() // period + 1) * period, UTC)
        assert self.at is not None
        today = datetime.combine(moment.astimezone(UTC).date(), self.at, UTC)
        return today if today > moment else today + timedelta(days=1)

    def function(self) -> Callable[[], Any]:
        module, _, name = self.func.rpartition(".")
        return getattr(importlib.import_module(module), name)


# Nightly work in the quiet hours of Phnom Penh (UTC+7): 00:10 UTC is 07:10 there, after the
# shop's day ended in UTC for the rollup; the rest run at night in Cambodia (19:00-20:00 UTC).
SCHEDULE: list[Scheduled] = [
    Scheduled("metrics-rollup", "shop.analytics.jobs.rollup_yesterday", at=time(0, 10), uses_analytics=True),
    Scheduled(
        "recommendations", "shop.recommendations.jobs.train_recommendations", at=time(19, 30), uses_analytics=True
    ),
    Scheduled("expired-tokens", "shop.accounts.jobs.clear_expired_tokens", at=time(20, 0)),
    Scheduled("abandoned-carts", "shop.cart.jobs.delete_abandoned_carts", at=time(20, 15)),
]


def by_name(name: str) -> Scheduled:
    for entry in SCHEDULE:
        if entry.name == name:
            return entry
    raise KeyError(name)


def for_rq(config: Any) -> list[Scheduled]:
    """The jobs an RQ worker runs: all with MONGO_URI, else those that do not use analytics."""
    return [e for e in SCHEDULE if config.get("MONGO_URI") or not e.uses_analytics]


def for_server(config: Any) -> list[Scheduled]:
    """The jobs the server's own thread runs: all without Redis, the analytics ones without
    MONGO_URI (their store is the server's), none when Redis and MongoDB are both there."""
    if not config.get("REDIS_URL"):
        return list(SCHEDULE)
    return [e for e in SCHEDULE if e.uses_analytics and not config.get("MONGO_URI")]


def run_entry(entry: Scheduled) -> Any:
    """Run one job now in the current app context, logged with how long it took."""
    started = clock.perf_counter()
    try:
        result = entry.function()()
    except Exception:
        log.exception("scheduled job failed", extra={"fields": {"job": entry.name}})
        raise
    seconds = round(clock.perf_counter() - started, 2)
    log.info("scheduled job done", extra={"fields": {"job": entry.name, "seconds": seconds, "result": result}})
    return result


# ---------------------------------------------------------------- RQ (worker.py)


def _job_id(entry: Scheduled, slot: datetime) -> str:
    return f"scheduled-{entry.name}-{slot:%Y%m%dT%H%M%S}"


def schedule_next(queue: Any, entry: Scheduled, after: datetime | None = None) -> datetime:
    """Put `entry`'s next run on RQ's scheduled registry (again: its id is the slot, so
    scheduling the same slot twice keeps one job)."""
    slot = entry.next_after(after or datetime.now(UTC))
    queue.enqueue_at(slot, run_scheduled, entry.name, slot.isoformat(), job_id=_job_id(entry, slot))
    return slot


def seed_rq_schedule(queue: Any, entries: Iterable[Scheduled]) -> dict[str, datetime]:
    """At worker start: every job's next run on the scheduled registry."""
    planned = {entry.name: schedule_next(queue, entry) for entry in entries}
    log.info("scheduled jobs planned", extra={"fields": {n: s.isoformat() for n, s in planned.items()}})
    return planned


def run_scheduled(name: str, slot_iso: str) -> Any:
    """The RQ job of one scheduled run: plan the next run first (a failure here must not end
    the chain), claim the slot once, then work."""
    from shop.jobs import get_queue

    entry = by_name(name)
    slot = datetime.fromisoformat(slot_iso)
    queue = get_queue()
    assert queue is not None, "scheduled RQ jobs need Redis"
    schedule_next(queue, entry, after=max(slot, datetime.now(UTC)))
    claimed = queue.connection.set(f"{CLAIM_PREFIX}:{name}:{slot_iso}", "1", nx=True, ex=7 * 86400)
    if not claimed:
        log.info("scheduled job already ran for this slot", extra={"fields": {"job": name, "slot": slot_iso}})
        return None
    return run_entry(entry)


# ---------------------------------------------------------------- the server's own thread


class ServerScheduler:
    """Runs `entries` at their times in a daemon thread of this process, each in an app context."""

    def __init__(self, app: Flask, entries: Iterable[Scheduled]) -> None:
        self.app = app
        self.entries = list(entries)
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.entries:
            return
        self.thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self.thread.start()
        log.info("scheduled jobs run in this server", extra={"fields": {"jobs": [e.name for e in self.entries]}})

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        entries = {entry.name: entry for entry in self.entries}
        planned = {entry.name: entry.next_after(datetime.now(UTC)) for entry in self.entries}
        while not self._stop.is_set():
            name, due = min(planned.items(), key=lambda item: item[1])
            if self._stop.wait(max(0.0, (due - datetime.now(UTC)).total_seconds())):
                return
            entry = entries[name]
            planned[name] = entry.next_after(max(due, datetime.now(UTC)))
            # A failure is logged by run_entry; the next run is planned all the same.
            with self.app.app_context(), contextlib.suppress(Exception):
                run_entry(entry)


def run_in_background(app: Flask, func: Callable[[], Any], name: str) -> threading.Thread:
    """`func()` once, now, in a daemon thread with an app context (e.g. the first training)."""

    def run() -> None:
        with app.app_context():
            try:
                func()
            except Exception:
                log.exception("background job failed", extra={"fields": {"job": name}})

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def try_lock(path: Path) -> IO | None:
    """An exclusive lock on `path` held while the returned file stays open; None when another
    process holds it (e.g. another gunicorn worker runs the scheduler already)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a")  # noqa: SIM115 (held open: the lock)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle
