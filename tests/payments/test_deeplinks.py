"""The "open in my bank app" link: Bakong's generate_deeplink_by_qr asked by a job for each new
KHQR attempt, against the fake Bakong (a real HTTP server). The link is stored on the attempt;
Bakong's refusals and failures leave it empty (logged), retried while they may pass; nothing
but the QR and the shop's name, icon and callback is sent; without Redis it runs on the
background pool, never in the request that made the attempt."""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from shop.extensions import db as shop_db
from shop.jobs import get_queue
from shop.orders import services as orders
from shop.payments import services as payments
from shop.payments.bakong import BakongClient, LinkOutcome, SourceInfo
from shop.payments.models import PaymentAttempt
from tests.factories import ProductFactory, UserFactory
from tests.payments.conftest import KHQR_SETTINGS
from tests.payments.helpers import PHNOM_PENH, after_expiry, fresh, place_khqr_order
from tests.support.fake_bakong import FakeBakong

TOKEN_MESSAGE = "Unauthorized, not yet requested for token or code invalid"
SOURCE = SourceInfo(
    app_name="Skincare Shop",
    app_icon_url="https://shop.example/static/img/favicon.svg",
    app_deeplink_callback="https://shop.example/",
)


@pytest.fixture
def retry_at_once(app):
    """RQ tries a failed deeplink job again at once (twice), so a burst runs every try."""
    previous = app.config["BAKONG_DEEPLINK_RETRY_INTERVALS"]
    app.config["BAKONG_DEEPLINK_RETRY_INTERVALS"] = (0, 0)
    yield
    app.config["BAKONG_DEEPLINK_RETRY_INTERVALS"] = previous


def _client(fake: FakeBakong, token: str | None = None) -> BakongClient:
    return BakongClient(fake.url, token or fake.token, connect_timeout=1.0, read_timeout=1.0)


@pytest.fixture
def problems():
    """What the "shop.payments" logger says at WARNING and above (the "shop" loggers do not
    propagate to pytest's handlers: read from the logger itself)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("shop.payments")
    logger.addHandler(handler)
    yield lambda: [record.getMessage() for record in records]
    logger.removeHandler(handler)


# ---------------------------------------------------------------- the client


def test_the_client_sends_the_qr_and_the_source_info_and_reads_the_short_link(db, fake_bakong):
    _order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    result = _client(fake_bakong).generate_deeplink(attempt.qr_string, SOURCE)
    assert (result.outcome, result.short_link) == (LinkOutcome.MADE, fake_bakong.link_for(attempt.qr_string))
    assert result.short_link.startswith("https://bakong.page.link/")
    assert fake_bakong.link_requests == [
        {
            "qr": attempt.qr_string,
            "sourceInfo": {
                "appIconUrl": "https://shop.example/static/img/favicon.svg",
                "appName": "Skincare Shop",
                "appDeepLinkCallback": "https://shop.example/",
            },
        }
    ]


@pytest.mark.parametrize(
    ("answer", "outcome", "reason"),
    [
        (
            "token_expired",
            LinkOutcome.REFUSED,
            "errorCode 6: Unauthorized, not yet requested for token or code invalid",
        ),
        ("bad_request", LinkOutcome.REFUSED, "errorCode 5: Missing required fields"),
        ("provider_error", LinkOutcome.RETRY, "errorCode 4: Deeplink provider error"),
        ("http_500", LinkOutcome.RETRY, "HTTP 500"),
        ("bad_json", LinkOutcome.RETRY, "the answer is not JSON"),
        ("not_https", LinkOutcome.RETRY, "no usable shortLink in the answer: 'javascript:alert(1)'"),
        ("timeout", LinkOutcome.RETRY, "timeout"),
    ],
)
def test_every_way_bakong_says_no_is_an_outcome_never_an_exception(db, fake_bakong, answer, outcome, reason):
    fake_bakong.link_answers = [answer]
    started = time.monotonic()
    result = _client(fake_bakong).generate_deeplink("0002010102122916", SOURCE)
    assert (result.outcome, result.short_link, result.reason) == (outcome, None, reason)
    assert time.monotonic() - started < 2.5  # the read timeout (1 s here), not the fake's 3 s


def test_a_token_bakong_refuses_or_none_at_all_is_a_refusal(db, fake_bakong):
    refused = _client(fake_bakong, token="stale").generate_deeplink("0002010102122916", SOURCE)
    assert (refused.outcome, refused.reason) == (LinkOutcome.REFUSED, "HTTP 401")
    none = BakongClient(fake_bakong.url, None).generate_deeplink("0002010102122916", SOURCE)
    assert (none.outcome, none.reason) == (LinkOutcome.REFUSED, "BAKONG_TOKEN is not set")
    assert len(fake_bakong.link_requests) == 0  # without a token Bakong is not asked; 401 never reached the fake


def test_bakong_down_is_a_retry(db):
    result = BakongClient("http://127.0.0.1:9", "token", connect_timeout=0.5).generate_deeplink("qr", SOURCE)
    assert result.outcome == LinkOutcome.RETRY and result.reason.startswith("connection: ")


# ---------------------------------------------------------------- the job


def test_a_new_khqr_order_gets_its_link_from_a_job_after_commit(app, db, fake_bakong, run_jobs):
    order, attempt = place_khqr_order(UserFactory(email="sokha@example.com"), ProductFactory())
    assert attempt.deeplink_url is None and fake_bakong.link_requests == []  # not in the request
    queue = get_queue()
    assert [job.func_name for job in queue.jobs] == ["shop.payments.jobs.make_deeplink"]
    assert run_jobs() == 1
    assert fresh(PaymentAttempt, attempt.id).deeplink_url == fake_bakong.link_for(attempt.qr_string)
    [body] = fake_bakong.link_requests
    base = app.config["SHOP_BASE_URL"]
    assert set(body) == {"qr", "sourceInfo"} and body["qr"] == attempt.qr_string  # exactly the attempt's KHQR
    source = body["sourceInfo"]
    assert (source["appName"], source["appDeepLinkCallback"]) == (app.config["SHOP_NAME"], f"{base}/")
    assert re.fullmatch(rf"{re.escape(base)}/static/img/favicon(\.[0-9a-f]+)?\.svg", source["appIconUrl"])
    sent = json.dumps(body["sourceInfo"])
    assert order.customer_email not in json.dumps(body) and "Sokha" not in json.dumps(body)
    assert order.order_number not in sent and f"/orders/{order.id}" not in sent and "guest" not in sent
    run_jobs()
    assert len(fake_bakong.link_requests) == 1  # once per attempt


def test_the_shops_icon_and_callback_can_be_set(app, db, fake_bakong, run_jobs):
    app.config.update(
        BAKONG_APP_ICON_URL="https://cdn.shop.example/icon.png", BAKONG_DEEPLINK_CALLBACK="https://shop.example/thanks"
    )
    try:
        place_khqr_order(UserFactory(), ProductFactory())
        run_jobs()
    finally:
        app.config.update(BAKONG_APP_ICON_URL=None, BAKONG_DEEPLINK_CALLBACK=None)
    source = fake_bakong.link_requests[0]["sourceInfo"]
    assert (source["appIconUrl"], source["appDeepLinkCallback"]) == (
        "https://cdn.shop.example/icon.png",
        "https://shop.example/thanks",
    )


def test_an_order_that_is_not_written_asks_for_no_link(db, fake_bakong):
    product = ProductFactory(stock=1)
    with pytest.raises(orders.OutOfStock):
        place_khqr_order(UserFactory(), product, 2)
    assert get_queue().count == 0


def test_a_refusal_leaves_no_link_is_logged_and_is_not_asked_again(db, fake_bakong, run_jobs, problems):
    fake_bakong.link_answers = ["token_expired"]
    order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    run_jobs()
    assert fresh(PaymentAttempt, attempt.id).deeplink_url is None
    assert fake_bakong.links_asked(attempt.qr_string) == 1
    assert problems() == [f"Bakong made no deeplink for payment attempt {attempt.id}: errorCode 6: " + TOKEN_MESSAGE]
    assert len(ScheduledJobRegistry(queue=get_queue())) == 0 and len(FailedJobRegistry(queue=get_queue())) == 0
    assert fresh(PaymentAttempt, attempt.id).status == "open"  # the payment itself is untouched


def test_a_passing_failure_is_tried_again_until_bakong_answers(db, fake_bakong, run_jobs, retry_at_once):
    fake_bakong.link_answers = ["http_500", "timeout"]
    _order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    run_jobs()
    assert fake_bakong.links_asked(attempt.qr_string) == 3
    assert fresh(PaymentAttempt, attempt.id).deeplink_url == fake_bakong.link_for(attempt.qr_string)


def test_after_the_last_try_the_attempt_keeps_no_link_and_it_is_logged(
    db, fake_bakong, run_jobs, retry_at_once, problems
):
    fake_bakong.link_answers = ["http_500", "http_500", "provider_error"]
    _order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    run_jobs()
    assert fake_bakong.links_asked(attempt.qr_string) == 3  # the first try and two more
    assert fresh(PaymentAttempt, attempt.id).deeplink_url is None
    assert problems()[-1] == (
        f"gave up on the deeplink of payment attempt {attempt.id}: errorCode 4: Deeplink provider error"
    )
    assert len(FailedJobRegistry(queue=get_queue())) == 0  # given up, not crashed


def test_a_passing_failure_schedules_the_next_try_with_backoff(app, db, fake_bakong, run_jobs):
    assert app.config["BAKONG_DEEPLINK_RETRY_INTERVALS"] == (5, 20, 60)
    fake_bakong.link_answers = ["http_500"]
    _order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    [job] = get_queue().jobs
    ran_at = datetime.now(UTC)
    run_jobs()
    assert fresh(PaymentAttempt, attempt.id).deeplink_url is None
    scheduled = ScheduledJobRegistry(queue=get_queue())
    assert scheduled.get_job_ids() == [job.id]
    job.refresh()
    assert job.retries_left == 2
    wait = (scheduled.get_scheduled_time(job) - ran_at).total_seconds()
    assert 4 <= wait <= 7  # the first interval, 5 s


def test_a_paid_attempt_asks_for_no_link(db, fake_bakong, run_jobs):
    _order, attempt = place_khqr_order(UserFactory(), ProductFactory())
    fake_bakong.pay(attempt.md5, amount=attempt.amount)
    payments.check_attempt(attempt.id)
    run_jobs()
    assert fake_bakong.link_requests == [] and fresh(PaymentAttempt, attempt.id).deeplink_url is None


def test_a_new_qr_gets_its_own_link(db, fake_bakong, run_jobs):
    order, first = place_khqr_order(UserFactory(), ProductFactory(stock=5))
    run_jobs()
    payments.expire_unpaid(after_expiry(first))
    renewed = payments.renew_payment(order.id, currency="KHR")
    assert renewed.id != first.id and renewed.deeplink_url is None
    run_jobs()
    assert fresh(PaymentAttempt, renewed.id).deeplink_url == fake_bakong.link_for(renewed.qr_string)
    assert fresh(PaymentAttempt, first.id).deeplink_url == fake_bakong.link_for(first.qr_string)
    assert [body["qr"] for body in fake_bakong.link_requests] == [first.qr_string, renewed.qr_string]


# ---------------------------------------------------------------- the embedded default (no Redis)


def test_without_redis_the_link_is_made_in_the_background_and_retried(make_app, tmp_path):
    fake = FakeBakong().start()
    fake.link_answers = ["timeout"]  # slower than the client waits: the request must not wait
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'embedded.db'}",
        REDIS_URL=None,
        **KHQR_SETTINGS,
        BAKONG_API_URL=fake.url,
        BAKONG_TOKEN=fake.token,
        BAKONG_DEEPLINK_RETRY_INTERVALS=(0.2,),
    )
    try:
        with app.app_context():
            upgrade()
            assert get_queue() is None
            user, product = UserFactory(), ProductFactory(price=Decimal("9.00"), stock=3)
            started = time.monotonic()
            order = orders.place_order(
                orders.Checkout(
                    items=[orders.BasketItem(product.id, 1)],
                    email=user.email,
                    user_id=user.id,
                    shipping_address=PHNOM_PENH,
                    payment_method="khqr",
                    currency="USD",
                )
            )
            assert time.monotonic() - started < 1.0  # the checkout did not wait on Bakong
            attempt_id = payments.current_attempt(order.id).id
            deadline, link = time.monotonic() + 15, None
            while link is None and time.monotonic() < deadline:
                time.sleep(0.1)
                shop_db.session.rollback()
                link = shop_db.session.scalar(
                    sa.select(PaymentAttempt.deeplink_url).where(PaymentAttempt.id == attempt_id)
                )
            qr = payments.current_attempt(order.id).qr_string
            assert link == fake.link_for(qr)
            assert fake.links_asked(qr) == 2  # the timeout, then the timer's second try
            shop_db.session.remove()
            shop_db.engine.dispose()
    finally:
        fake.stop()
