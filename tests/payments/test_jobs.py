"""Checks run as RQ jobs, at most one per attempt every few seconds however often pages poll;
the sweep job schedules itself; the embedded sweep is one function a thread calls."""

from __future__ import annotations

from shop.orders.models import Order, PaymentStatus
from shop.payments import jobs
from shop.payments.models import PaymentAttempt
from tests.factories import ProductFactory, UserFactory
from tests.payments.helpers import fresh, place_khqr_order


def test_polls_ask_for_one_check_job_per_attempt_every_few_seconds(db, fake_bakong, run_jobs, smtp_server):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    asked = [jobs.request_check(attempt.id) for _ in range(5)]
    assert asked == [True, False, False, False, False]
    assert fake_bakong.asked(attempt.md5) == 0  # the poll itself never asks Bakong
    assert run_jobs() == 2  # the QR's deeplink and the check (the burst also sends the email the check queued)
    assert fake_bakong.asked(attempt.md5) == 1
    assert fresh(Order, order.id).payment_status == PaymentStatus.PAID
    assert smtp_server.messages[0]["Subject"] == f"Your order {order.order_number}"


def test_the_sweep_job_schedules_its_next_run_once(db, fake_bakong, app):
    from rq.registry import ScheduledJobRegistry

    from shop.jobs import get_queue

    assert jobs.schedule_sweep()
    assert jobs.schedule_sweep()
    registry = ScheduledJobRegistry(queue=get_queue())
    assert registry.get_job_ids() == [jobs.SWEEP_JOB_ID]


def test_the_embedded_sweep_runs_in_its_own_app_context(app, db, fake_bakong):
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    attempt.next_check_at = attempt.created_at
    db.session.commit()
    report = jobs.run_sweep_once(app)
    assert (report.checked, report.failed, report.expired) == (1, 0, 0)
    assert fresh(PaymentAttempt, attempt.id).status == "paid"
