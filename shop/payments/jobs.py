"""Payment checks off the request path: an RQ job per check, and a periodic sweep.

- The shopper's payment page polls our server; each poll may ask for a check
  (`request_check`), at most one per attempt every POLL_CHECK_SECONDS. With Redis the check is
  an RQ job, enqueued after commit; without Redis (the embedded default) it runs on a small
  background thread pool. Either way the page answers from the database at once and never
  waits on Bakong.
- The sweep (`sweep_payments`) checks the attempts whose `next_check_at` is due (exponential
  backoff) and expires those unpaid past their time. With Redis it is an RQ job that schedules
  its next run with `enqueue_in` (the worker runs RQ's scheduler: `make worker`); without
  Redis the server process runs it on a daemon thread (`start_embedded_sweeper`), in one
  gunicorn worker only (a file lock picks it).
- Each new KHQR attempt gets its "open in my bank app" link from Bakong (`make_deeplink`,
  queued by the service that made the attempt, after its commit): an RQ job retried after
  BAKONG_DEEPLINK_RETRY_INTERVALS when Bakong could not answer; without Redis the same on the
  background pool, retried by a timer.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from rq import get_current_job

from shop.audit.actors import Actor
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.infra.redis_client import get_redis
from shop.jobs import enqueue, get_queue, retried
from shop.payments import deeplinks, services
from shop.payments.bakong import LinkOutcome
from shop.payments.models import PaymentAttempt

log = logging.getLogger("shop.payments")
POLL_CHECK_SECONDS = 3
SWEEP_JOB_ID = "payments-sweep"
SWEEP_BATCH = 500
_embedded_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="payment-check")
_last_requests: dict[int, float] = {}
_last_lock = threading.Lock()


def check_payment(attempt_id: int) -> str | None:
    """RQ job: ask the provider about one attempt and record the answer."""
    result = services.check_attempt(attempt_id)
    return result.outcome.value if result else None


def request_check(attempt_id: int) -> bool:
    """Ask for a check of the attempt soon, unless one was asked for less than
    POLL_CHECK_SECONDS ago (however many pages and devices poll). True if one was asked for."""
    client = get_redis()
    if client is not None:
        if not client.set(f"payment-check:{attempt_id}", 1, nx=True, ex=POLL_CHECK_SECONDS):
            return False
        enqueue(check_payment, attempt_id)  # an RQ job, after the request's commit if it has one
        return True
    now = time.monotonic()
    with _last_lock:
        if now - _last_requests.get(attempt_id, -POLL_CHECK_SECONDS) < POLL_CHECK_SECONDS:
            return False
        _last_requests[attempt_id] = now
        if len(_last_requests) > 10_000:  # forget old attempts
            _last_requests.clear()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _embedded_pool.submit(_in_context, app, attempt_id)
    return True


def check_now(attempt_id: int, *, actor: Actor) -> bool:
    """Staff's "check now" on an order page: an audit entry, then a check asked for as the
    payment page asks for one (`request_check`: an RQ job with Redis, the background pool
    without), so the page never waits on Bakong. False when a check was asked for a moment
    ago (it is on its way). Refused for cash and for attempts nothing more can happen to."""
    attempt = db.session.get(PaymentAttempt, attempt_id)
    if attempt is None:
        raise NotFound()
    if attempt.provider != "khqr":
        raise ShopError(_l("Only KHQR payments are checked with the bank."), field="attempt")
    if attempt.next_check_at is None:
        raise Conflict(_l("Nothing more can happen to this payment: there is nothing to ask the bank."))
    actor.record(
        "payment.check_requested",
        "order",
        attempt.order_id,
        after={"attempt_id": attempt.id, "md5": attempt.md5, "status": attempt.status},
    )
    db.session.commit()
    return request_check(attempt_id)


class DeeplinkNotYet(Exception):
    """Bakong could not make the deeplink this time: RQ tries the job again."""


@retried("BAKONG_DEEPLINK_RETRY_INTERVALS")
def make_deeplink(attempt_id: int) -> str | None:
    """RQ job: ask Bakong for the attempt's "open in my bank app" link and store it. When Bakong
    could not answer (down, slow, 5xx) it raises, so that RQ asks again after the next of
    BAKONG_DEEPLINK_RETRY_INTERVALS; after the last try, or when Bakong refuses (token, fields),
    the attempt keeps no link (logged) and the page offers "Save the QR" alone. Run outside RQ
    (no Redis, or Redis unreachable when it was queued) it goes to the background pool, so the
    request that made the attempt never waits on Bakong."""
    job = get_current_job()
    if job is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        intervals = tuple(app.config.get("BAKONG_DEEPLINK_RETRY_INTERVALS") or ())
        _embedded_pool.submit(_deeplink_in_background, app, attempt_id, intervals)
        return None
    result = deeplinks.make_deeplink(attempt_id)
    if result is None:
        return None
    if result.outcome == LinkOutcome.RETRY:
        if job.retries_left:
            raise DeeplinkNotYet(f"payment attempt {attempt_id}: {result.reason}")
        log.error("gave up on the deeplink of payment attempt %s: %s", attempt_id, result.reason)
    return result.outcome.value


def _deeplink_in_background(app: Flask, attempt_id: int, intervals: tuple[float, ...]) -> None:
    """The embedded pool's `make_deeplink`: one try, and a timer for the next while Bakong
    could not answer and tries are left."""
    try:
        with app.app_context():
            result = deeplinks.make_deeplink(attempt_id)
    except Exception:  # a background job must not die silently
        log.exception("deeplink of payment attempt %s failed", attempt_id)
        return
    if result is None or result.outcome != LinkOutcome.RETRY:
        return
    if not intervals:
        log.error("gave up on the deeplink of payment attempt %s: %s", attempt_id, result.reason)
        return
    timer = threading.Timer(
        intervals[0], _embedded_pool.submit, args=(_deeplink_in_background, app, attempt_id, intervals[1:])
    )
    timer.daemon = True
    timer.start()


def _in_context(app: Flask, attempt_id: int) -> None:
    try:
        with app.app_context():
            services.check_attempt(attempt_id)
    except Exception:  # a background check must not die silently
        log.exception("payment check of attempt %s failed", attempt_id)


@dataclass
class SweepReport:
    checked: int = 0
    failed: int = 0
    expired: int = 0


def sweep_payments(now: datetime | None = None, *, batch: int = SWEEP_BATCH) -> SweepReport:
    """Check the attempts due (oldest due first, at most `batch`), then expire the unpaid ones
    past their time. One attempt's trouble does not stop the others."""
    now = now or utcnow()
    report = SweepReport()
    due = db.session.scalars(
        sa.select(PaymentAttempt.id)
        .where(PaymentAttempt.next_check_at.is_not(None), PaymentAttempt.next_check_at <= now)
        .order_by(PaymentAttempt.next_check_at)
        .limit(batch)
    ).all()
    db.session.rollback()
    for attempt_id in due:
        try:
            services.check_attempt(attempt_id, now=now)
            report.checked += 1
        except Exception:
            db.session.rollback()
            report.failed += 1
            log.exception("payment check of attempt %s failed", attempt_id)
    report.expired = services.expire_unpaid(now)
    return report


def sweep_and_reschedule() -> None:
    """RQ job: one sweep, then the next one in PAYMENT_SWEEP_SECONDS. The fixed job id keeps
    one chain however often it is scheduled."""
    try:
        sweep_payments()
    finally:
        schedule_sweep()


def schedule_sweep(delay: timedelta | None = None) -> bool:
    """Schedule the next sweep on RQ (needs the worker's scheduler). False without Redis."""
    queue = get_queue()
    if queue is None:
        return False
    wait = delay if delay is not None else timedelta(seconds=current_app.config["PAYMENT_SWEEP_SECONDS"])
    queue.enqueue_in(wait, sweep_and_reschedule, job_id=SWEEP_JOB_ID, job_timeout=600, result_ttl=0)
    return True


# ---------------------------------------------------------------- embedded (no Redis)

_sweeper_started = False
_sweeper_lock_file: IO | None = None


def start_embedded_sweeper(app: Flask) -> bool:
    """Without Redis, run the sweep every PAYMENT_SWEEP_SECONDS on a daemon thread of this
    process. Once per process, and in one process per instance folder: the first gunicorn
    worker to take the file lock runs it (if it dies, the lock goes with it and the next
    worker started takes it). True if this process runs it."""
    global _sweeper_started, _sweeper_lock_file
    if _sweeper_started or app.config.get("REDIS_URL") or not app.config.get("KHQR_ACCOUNT_ID"):
        return False
    lock_path = Path(app.instance_path) / "payments-sweep.lock"
    handle = lock_path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _sweeper_started, _sweeper_lock_file = True, handle
    interval = app.config["PAYMENT_SWEEP_SECONDS"]
    threading.Thread(target=_sweep_forever, args=(app, interval), name="payment-sweep", daemon=True).start()
    log.info("startup", extra={"fields": {"payments": f"sweeping payments every {interval}s in this process"}})
    return True


def _sweep_forever(app: Flask, interval: float) -> None:
    while True:
        time.sleep(interval)
        run_sweep_once(app)


def run_sweep_once(app: Flask) -> SweepReport | None:
    """One sweep in its own app context (what the embedded thread calls)."""
    try:
        with app.app_context():
            return sweep_payments()
    except Exception:
        log.exception("payment sweep failed")
        return None
