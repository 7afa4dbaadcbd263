"""The Bakong client against the fake Bakong: every documented answer and every way it fails."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from shop.payments.bakong import BakongClient, interpret
from shop.payments.providers import Outcome

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.fixture
def client(fake_bakong):
    return BakongClient(fake_bakong.url, fake_bakong.token, connect_timeout=1.0, read_timeout=1.0)


def test_paid_answer_gives_the_transaction_with_a_decimal_amount(client, fake_bakong):
    fake_bakong.pay(MD5, amount="53.45", currency="USD", to_account="shop@aclb", reference="abc123")
    result = client.check_md5(MD5)
    assert result.outcome == Outcome.PAID
    assert result.transaction.amount == Decimal("53.45") and isinstance(result.transaction.amount, Decimal)
    assert (result.transaction.currency, result.transaction.to_account) == ("USD", "shop@aclb")
    assert result.transaction.reference == "abc123"
    assert result.raw["data"]["amount"] == "53.45"  # kept as text, never a float
    assert fake_bakong.requests[-1]["md5"] == MD5


@pytest.mark.parametrize(
    ("kind", "outcome", "reason"),
    [
        ("not_found", Outcome.NOT_FOUND, "Transaction could not be found. Please check and try again."),
        ("failed", Outcome.FAILED, "Transaction failed."),
        ("token_expired", Outcome.UNAUTHORIZED, "Unauthorized, not yet requested for token or code invalid"),
        ("http_403", Outcome.UNAVAILABLE, "HTTP 403"),
        ("http_500", Outcome.UNAVAILABLE, "HTTP 500"),
        ("bad_json", Outcome.UNAVAILABLE, "the answer is not JSON"),
    ],
)
def test_each_documented_failure_has_its_outcome(client, fake_bakong, kind, outcome, reason):
    fake_bakong.answer(MD5, kind)
    result = client.check_md5(MD5)
    assert (result.outcome, result.reason) == (outcome, reason)


def test_a_slow_answer_is_a_timeout_within_the_read_timeout(client, fake_bakong):
    fake_bakong.answer(MD5, "timeout")
    started = time.monotonic()
    result = client.check_md5(MD5)
    assert (result.outcome, result.reason) == (Outcome.UNAVAILABLE, "timeout")
    assert time.monotonic() - started < 2.0


def test_a_wrong_token_is_unauthorized(fake_bakong):
    result = BakongClient(fake_bakong.url, "not-the-token", read_timeout=1.0).check_md5(MD5)
    assert (result.outcome, result.reason) == (Outcome.UNAUTHORIZED, "HTTP 401")


def test_no_token_is_not_even_sent(fake_bakong):
    result = BakongClient(fake_bakong.url, None).check_md5(MD5)
    assert result.outcome == Outcome.UNAUTHORIZED
    assert fake_bakong.requests == []


def test_nobody_listening_is_unavailable():
    from tests.support.servers import free_port

    result = BakongClient(f"http://127.0.0.1:{free_port()}", "token", connect_timeout=0.5).check_md5(MD5)
    assert result.outcome == Outcome.UNAVAILABLE
    assert result.reason.startswith("connection:")


def test_unexpected_answers_are_unavailable_not_errors():
    assert interpret(200, b"[1, 2]").outcome == Outcome.UNAVAILABLE
    assert interpret(200, b'{"responseCode": 1, "errorCode": 42}').reason == "unexpected answer (errorCode 42)"
    assert interpret(200, b'{"responseCode": 0, "data": {"amount": "lots"}}').outcome == Outcome.UNAVAILABLE
