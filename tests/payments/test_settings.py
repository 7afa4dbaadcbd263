"""KHQR settings: not offered without an account (said at start-up), refused in production
without a Bakong token."""

from __future__ import annotations

import json

import pytest

from shop import config


def test_production_refuses_khqr_without_a_bakong_token():
    class KHQROn(config.ProductionConfig):
        SECRET_KEY = "a-real-secret"
        JWT_SECRET_KEY = "another-real-secret"
        KHQR_ACCOUNT_ID = "shop@aclb"
        BAKONG_TOKEN = None

    with pytest.raises(RuntimeError, match="BAKONG_TOKEN"):
        KHQROn()

    class WithToken(KHQROn):
        BAKONG_TOKEN = "a-token"

    assert WithToken().KHQR_ACCOUNT_ID == "shop@aclb"


def test_defaults():
    assert config.Config.BAKONG_API_URL == "https://api-bakong.nbc.gov.kh"
    assert config.Config.PAYMENT_EXPIRES_MINUTES == 15


def _payment_lines(stderr: str) -> list[str]:
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [line["payments"] for line in lines if line.get("msg") == "startup" and "payments" in line]


def test_start_up_says_khqr_is_not_offered(make_app, capsys):
    make_app(SQLALCHEMY_DATABASE_URI="sqlite://", KHQR_ACCOUNT_ID=None, LOG_LEVEL="INFO")
    assert _payment_lines(capsys.readouterr().err) == ["KHQR is not offered: KHQR_ACCOUNT_ID is not set"]


def test_start_up_is_quiet_about_khqr_when_it_is_on(make_app, capsys):
    make_app(SQLALCHEMY_DATABASE_URI="sqlite://", KHQR_ACCOUNT_ID="shop@aclb", LOG_LEVEL="INFO")
    assert _payment_lines(capsys.readouterr().err) == []
