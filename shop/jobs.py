"""Background jobs: enqueued on RQ after the transaction commits; inline without Redis.

A job is any importable function. It runs inside an app context (worker.py gives RQ one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from flask import Flask, current_app
from rq import Queue, Retry
from rq.job import Job
from sqlalchemy import event
from sqlalchemy.orm import Session

from shop.extensions import db
from shop.infra.redis_client import get_redis

log = logging.getLogger("shop.jobs")
QUEUE_NAME = "default"
_PENDING_KEY = "shop_pending_jobs"
_RETRY_SETTING = "shop_retry_setting"
F = TypeVar("F", bound=Callable[..., Any])


def retried(setting: str) -> Callable[[F], F]:
    """Mark a job function to be retried by RQ after a failure, waiting the seconds listed in
    the config `setting` (e.g. MAIL_RETRY_INTERVALS = (60, 180, 360): three more tries over ten
    minutes). Inline jobs (no Redis) run once."""

    def mark(func: F) -> F:
        setattr(func, _RETRY_SETTING, setting)
        return func

    return mark


def _retry_for(func: Callable[..., Any]) -> Retry | None:
    setting = getattr(func, _RETRY_SETTING, None)
    intervals = list(current_app.config.get(setting) or ()) if setting else []
    return Retry(max=len(intervals), interval=intervals) if intervals else None


def get_queue(name: str = QUEUE_NAME) -> Queue | None:
    """The RQ queue, or None in embedded mode."""
    connection = get_redis()
    return Queue(name, connection=connection) if connection is not None else None


def enqueue(func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `func(*args, **kwargs)` once the current transaction commits.

    With nothing to commit it goes at once. A rollback drops it: an email about an order that
    was never written must not be sent.
    """
    session = db.session()
    if session.in_transaction() and (session.new or session.dirty or session.deleted or _flushed(session)):
        session.info.setdefault(_PENDING_KEY, []).append((func, args, kwargs))
    else:
        _dispatch(func, args, kwargs)


def _flushed(session: Session) -> bool:
    # A flush already sent rows; the transaction still has to commit.
    return bool(session.info.get("shop_flushed"))


def _dispatch(func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    queue = get_queue()
    if queue is not None:
        try:
            with queue.connection.pipeline() as pipe:  # one round trip instead of two
                queue.enqueue(func, *args, pipeline=pipe, retry=_retry_for(func), **kwargs)
                pipe.execute()
            return
        except redis.RedisError:  # what triggered it has committed: run it here rather than lose it
            log.warning("redis unreachable: running %s inline", getattr(func, "__name__", func))
    # A fresh app context gives the job its own session, as an RQ worker would have; the
    # caller's session has just committed and may not emit SQL inside its commit hook.
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as the proxy it is
    try:
        with app.app_context():
            func(*args, **kwargs)
    except Exception:  # an inline job must not break the request that triggered it
        log.exception("inline job %s failed", getattr(func, "__name__", func))
        if app.config.get("JOBS_RAISE"):
            raise


@event.listens_for(Session, "after_flush")
def _mark_flushed(session: Session, _context) -> None:
    session.info["shop_flushed"] = True


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    session.info.pop("shop_flushed", None)
    for func, args, kwargs in pending:
        _dispatch(func, args, kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING_KEY, None)
        session.info.pop("shop_flushed", None)


class AppJob(Job):
    """An RQ job that runs inside the app's context (set `AppJob.app` in the worker)."""

    app: Flask | None = None

    def perform(self) -> Any:
        if AppJob.app is None:
            raise RuntimeError("AppJob.app is not set: start workers with worker.py")
        with AppJob.app.app_context():
            return super().perform()
