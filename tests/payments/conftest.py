"""Payments fixtures: the fake Bakong (a real HTTP server) and a shop with KHQR switched on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.support.fake_bakong import FakeBakong

KHQR_SETTINGS = {
    "KHQR_ACCOUNT_ID": "shop@aclb",
    "KHQR_MERCHANT_NAME": "Skincare Shop",
    "KHQR_MERCHANT_CITY": "Phnom Penh",
    "PAYMENT_EXPIRES_MINUTES": 15,
    # Short timeouts, so the fake's slow answer (3 s) is a timeout without slowing the suite.
    "BAKONG_CONNECT_TIMEOUT": 1.0,
    "BAKONG_READ_TIMEOUT": 1.0,
}


@pytest.fixture
def fake_bakong(app: Flask) -> Iterator[FakeBakong]:
    """A fake Bakong API on 127.0.0.1, and the shared app pointed at it with KHQR on."""
    fake = FakeBakong().start()
    settings = {**KHQR_SETTINGS, "BAKONG_API_URL": fake.url, "BAKONG_TOKEN": fake.token}
    previous = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield fake
    app.config.update(previous)
    fake.stop()
