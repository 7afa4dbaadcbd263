"""Analytics jobs: the daily metrics rollup.

Scheduling: cron (or any scheduler) runs `flask metrics rollup` shortly after midnight UTC; it
enqueues `rollup_day` for yesterday on RQ (or runs it at once without Redis).
`flask metrics rollup --date YYYY-MM-DD --now` recomputes one day in the foreground.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from shop.analytics import metrics
from shop.analytics.rollup import rollup


def rollup_day(day_iso: str) -> str:
    """The RQ job: roll up `day_iso` (YYYY-MM-DD); returns the day for the job's result."""
    started = time.perf_counter()
    try:
        rollup(date.fromisoformat(day_iso))
    finally:
        metrics.JOB_DURATION.labels("rollup").observe(time.perf_counter() - started)
    metrics.LAST_ROLLUP.set_to_current_time()
    return day_iso


def rollup_yesterday() -> str:
    """The nightly job (shop.scheduling): roll up yesterday (UTC). Idempotent: a rollup replaces
    the day's document."""
    return rollup_day((datetime.now(UTC).date() - timedelta(days=1)).isoformat())
