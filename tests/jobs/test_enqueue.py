"""Background jobs run after the transaction commits: on RQ with Redis, inline without."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_migrate import upgrade

from shop.audit.models import AuditLog
from shop.jobs import enqueue, get_queue
from tests.factories import ProductFactory
from tests.jobs.job_functions import fail, record_action


def _actions(db) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def test_job_waits_for_commit_then_runs_on_rq(db, run_jobs):
    db.session.add(ProductFactory.build())
    enqueue(record_action, "after-commit")
    assert get_queue().count == 0
    db.session.commit()
    assert get_queue().count == 1
    assert run_jobs() == 1
    assert _actions(db) == ["after-commit"]


def test_rollback_drops_the_job(db, run_jobs):
    db.session.add(ProductFactory.build())
    enqueue(record_action, "never")
    db.session.rollback()
    db.session.add(ProductFactory.build())
    db.session.commit()
    assert get_queue().count == 0
    assert run_jobs() == 0
    assert _actions(db) == []


def test_with_nothing_to_commit_the_job_goes_at_once(db, run_jobs):
    enqueue(record_action, "now")
    assert get_queue().count == 1
    run_jobs()
    assert _actions(db) == ["now"]


def test_embedded_mode_runs_jobs_inline_after_commit(make_app, tmp_path):
    from shop.extensions import db

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'jobs.db'}", REDIS_URL=None)
    with app.app_context():
        upgrade()
        assert get_queue() is None
        db.session.add(ProductFactory.build())
        enqueue(record_action, "inline")
        assert _actions(db) == []
        db.session.commit()
        assert _actions(db) == ["inline"]
        db.session.add(ProductFactory.build())
        enqueue(record_action, "rolled-back")
        db.session.rollback()
        assert _actions(db) == ["inline"]


def test_a_failing_inline_job_does_not_break_the_caller(make_app, tmp_path):
    from shop.extensions import db

    failures: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = failures.append
    logging.getLogger("shop.jobs").addHandler(handler)
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'jobs.db'}", REDIS_URL=None, JOBS_RAISE=False)
    with app.app_context():
        upgrade()
        product = ProductFactory.build()
        db.session.add(product)
        enqueue(fail, "smtp is down")
        db.session.commit()
        assert db.session.get(type(product), product.id) is not None
    logging.getLogger("shop.jobs").removeHandler(handler)
    assert [r.getMessage() for r in failures] == ["inline job fail failed"]
    assert "smtp is down" in str(failures[0].exc_info[1])
