"""Attempt windows, in Redis and in memory (embedded mode)."""

from __future__ import annotations

import pytest

from shop.infra import attempts


@pytest.fixture(params=["redis", "memory"])
def store(request, app, make_app, tmp_path):
    if request.param == "redis":
        context = app.app_context()
    else:
        context = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.db'}", REDIS_URL=None).app_context()
    with context:
        attempts.clear("rate_limit:login:test")
        yield request.param
        attempts.clear("rate_limit:login:test")


def test_window_counts_attempts_and_says_when_it_ends(store):
    assert attempts.current("rate_limit:login:test") == attempts.Window(0, 0)
    first = attempts.record("rate_limit:login:test", 900)
    second = attempts.record("rate_limit:login:test", 900)
    assert (first.count, second.count) == (1, 2)
    window = attempts.current("rate_limit:login:test")
    assert window.count == 2
    assert 890 <= window.retry_after <= 901


def test_clear_forgets_the_attempts(store):
    attempts.record("rate_limit:login:test", 900)
    attempts.clear("rate_limit:login:test")
    assert attempts.current("rate_limit:login:test").count == 0
