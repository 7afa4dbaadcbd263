"""KHQR settings: not offered without an account (said at start-up), refused in production
without a Bakong token."""

from __future__ import annotations

import logging

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


class _Lines(logging.Handler):
    """The start-up lines' payment fields, read from the "shop" logger itself (it does not
    propagate to pytest's handlers, and its stream is whatever stderr was when it was set up)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.payments: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "fields", {}) or {}
        if record.getMessage() == "startup" and "payments" in fields:
            self.payments.append(fields["payments"])


def _startup_payment_lines(make_app, **settings) -> list[str]:
    logger, lines = logging.getLogger("shop"), _Lines()
    logger.addHandler(lines)
    try:
        make_app(SQLALCHEMY_DATABASE_URI="sqlite://", LOG_LEVEL="INFO", **settings)
    finally:
        logger.removeHandler(lines)
    return lines.payments


def test_start_up_says_khqr_is_not_offered(make_app):
    lines = _startup_payment_lines(make_app, KHQR_ACCOUNT_ID=None)
    assert lines == ["KHQR is not offered: KHQR_ACCOUNT_ID is not set"]


def test_start_up_is_quiet_about_khqr_when_it_is_on(make_app):
    assert _startup_payment_lines(make_app, KHQR_ACCOUNT_ID="shop@aclb") == []
