"""Scheduled work (shop/scheduling.py): one table; RQ's scheduler with Redis, the server's thread
without; each job idempotent."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import pytest
import sqlalchemy as sa

from shop import scheduling
from shop.accounts.jobs import clear_expired_tokens
from shop.accounts.models import User
from shop.audit.models import AuditLog
from shop.cart.jobs import delete_abandoned_carts
from shop.cart.models import CartItem
from shop.infra.columns import utcnow
from shop.jobs import get_queue
from shop.scheduling import SCHEDULE, Scheduled, ServerScheduler, for_rq, for_server, seed_rq_schedule
from tests.factories import CartItemFactory, UserFactory


def test_next_run_of_a_daily_and_a_periodic_job():
    daily = Scheduled("d", "x.y", at=clock_time(0, 10))
    assert daily.next_after(datetime(2026, 3, 1, 0, 5, tzinfo=UTC)) == datetime(2026, 3, 1, 0, 10, tzinfo=UTC)
    assert daily.next_after(datetime(2026, 3, 1, 0, 10, tzinfo=UTC)) == datetime(2026, 3, 2, 0, 10, tzinfo=UTC)
    minutely = Scheduled("m", "x.y", every=timedelta(minutes=1))
    assert minutely.next_after(datetime(2026, 3, 1, 8, 0, 59, tzinfo=UTC)) == datetime(2026, 3, 1, 8, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        Scheduled("both", "x.y", at=clock_time(1), every=timedelta(hours=1))


def test_every_job_in_the_table_can_be_imported():
    assert {e.name for e in SCHEDULE} == {"metrics-rollup", "recommendations", "expired-tokens", "abandoned-carts"}
    assert all(callable(entry.function()) for entry in SCHEDULE)


def test_who_runs_what():
    analytics = {e.name for e in SCHEDULE if e.uses_analytics}
    assert analytics == {"metrics-rollup", "recommendations"}
    everything = {e.name for e in SCHEDULE}
    embedded = {"REDIS_URL": None, "MONGO_URI": None}
    redis_only = {"REDIS_URL": "redis://x", "MONGO_URI": None}
    full = {"REDIS_URL": "redis://x", "MONGO_URI": "mongodb://x"}
    assert {e.name for e in for_server(embedded)} == everything
    assert {e.name for e in for_server(redis_only)} == analytics  # their store is the server's
    assert {e.name for e in for_rq(redis_only)} == everything - analytics
    assert for_server(full) == [] and {e.name for e in for_rq(full)} == everything


def test_the_worker_plans_each_job_once_on_rqs_scheduled_registry(app, db):
    queue = get_queue()
    first = seed_rq_schedule(queue, for_rq({"MONGO_URI": "mongodb://x"}))
    again = seed_rq_schedule(queue, for_rq({"MONGO_URI": "mongodb://x"}))  # a second worker starting
    assert first == again
    registry = queue.scheduled_job_registry
    assert len(registry) == 4
    for name, slot in first.items():
        job_id = f"scheduled-{name}-{slot:%Y%m%dT%H%M%S}"
        assert registry.get_scheduled_time(job_id) == slot
        assert slot > datetime.now(UTC)


def _release(queue, job_id: str) -> None:
    """What RQ's scheduler does when the time comes: move the job to the queue."""
    job = queue.fetch_job(job_id)
    queue.scheduled_job_registry.remove(job)
    queue.enqueue_job(job)


def test_a_due_job_runs_once_per_slot_and_plans_its_next_run(app, db, run_jobs, monkeypatch):
    tick = Scheduled("tick", "tests.jobs.job_functions.record_tick", every=timedelta(hours=1))
    monkeypatch.setattr(scheduling, "SCHEDULE", [tick])
    queue = get_queue()
    slot = seed_rq_schedule(queue, [tick])["tick"]
    job_id = f"scheduled-tick-{slot:%Y%m%dT%H%M%S}"
    _release(queue, job_id)
    assert run_jobs() == 1
    assert db.session.scalars(sa.select(AuditLog.action)).all() == ["tick"]
    following = slot + timedelta(hours=1)
    assert queue.scheduled_job_registry.get_scheduled_time(f"scheduled-tick-{following:%Y%m%dT%H%M%S}") == following
    # The same slot once more (two workers, a re-delivery): claimed already, nothing runs.
    queue.enqueue_call(scheduling.run_scheduled, args=("tick", slot.isoformat()))
    run_jobs()
    db.session.expire_all()
    assert db.session.scalars(sa.select(AuditLog.action)).all() == ["tick"]


def test_the_servers_thread_runs_its_jobs_when_due(app, db):
    tick = Scheduled("tick", "tests.jobs.job_functions.record_tick", every=timedelta(seconds=1))
    scheduler = ServerScheduler(app, [tick])
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while True:
            db.session.expire_all()
            if db.session.scalar(sa.select(sa.func.count(AuditLog.id))) >= 2:
                break
            assert time.monotonic() < deadline, "the server's scheduler ran nothing"
            time.sleep(0.1)
    finally:
        scheduler.stop()
        scheduler.thread.join(5)
    assert not scheduler.thread.is_alive()


def test_expired_tokens_are_cleared_and_valid_ones_kept(db):
    now = utcnow()
    old = UserFactory(email_verification_token="a" * 64, email_verification_expires=now - timedelta(hours=1))
    fresh = UserFactory(password_reset_token="b" * 64, password_reset_expires=now + timedelta(minutes=30))
    stale = UserFactory(password_reset_token="c" * 64, password_reset_expires=now - timedelta(minutes=1))
    assert clear_expired_tokens() == {"verification_tokens": 1, "reset_tokens": 1}
    assert clear_expired_tokens() == {"verification_tokens": 0, "reset_tokens": 0}  # idempotent
    db.session.expire_all()
    tokens = {u.id: (u.email_verification_token, u.password_reset_token) for u in db.session.scalars(sa.select(User))}
    assert tokens[old.id] == (None, None) and tokens[stale.id] == (None, None)
    assert tokens[fresh.id] == (None, "b" * 64)


def test_carts_untouched_for_the_abandoned_days_are_deleted(app, db):
    kept = CartItemFactory()
    left = CartItemFactory()
    db.session.execute(
        sa.update(CartItem).where(CartItem.id == left.id).values(updated_at=utcnow() - timedelta(days=61))
    )
    db.session.commit()
    assert delete_abandoned_carts() == {"cart_lines": 1}
    assert delete_abandoned_carts() == {"cart_lines": 0}
    assert db.session.scalars(sa.select(CartItem.id)).all() == [kept.id]
