"""RQ worker with an app context: `python worker.py` (or `make worker`).

It also runs RQ's scheduler (`with_scheduler=True`), which moves retries and scheduled jobs to
the queue when they are due, and plans the shop's scheduled jobs (shop/scheduling.py) at start.
"""

from __future__ import annotations

from datetime import timedelta

from rq import Worker

from shop import create_app
from shop.jobs import QUEUE_NAME, AppJob, get_queue
from shop.scheduling import for_rq, seed_rq_schedule


def main() -> None:
    app = create_app()
    AppJob.app = app
    with app.app_context():
        queue = get_queue(QUEUE_NAME)
        if queue is None:
            raise SystemExit("REDIS_URL (or REDIS_HOST) is not set: without Redis, jobs run inline.")
        seed_rq_schedule(queue, for_rq(app.config))
        if app.config.get("KHQR_ACCOUNT_ID"):
            from shop.payments.jobs import schedule_sweep

            schedule_sweep(timedelta(seconds=0))  # the sweep then schedules itself (RQ's scheduler)
    Worker([queue], connection=queue.connection, job_class=AppJob).work(with_scheduler=True)


if __name__ == "__main__":
    main()
