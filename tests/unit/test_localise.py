"""Dates, times, the country and statuses in Khmer: no English "AM"/"PM", កម្ពុជា for
Cambodia, translated status labels with a colour for each."""

from __future__ import annotations

from datetime import UTC, datetime, time

import flask_babel
import pytest

from shop.orders.models import OrderStatus, PaymentStatus
from web.localise import country_name, format_datetime, format_time
from web.status import status_badge, status_label, status_tone

AFTERNOON = datetime(2026, 12, 7, 7, 5, tzinfo=UTC)  # 14:05 in Phnom Penh


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


def test_khmer_times_use_the_24_hour_clock_and_english_keeps_its_own(request_context):
    with flask_babel.force_locale("km"):
        for shown in (
            format_datetime(AFTERNOON, "short"),
            format_datetime(AFTERNOON, "medium"),
            format_datetime(AFTERNOON),
            format_time(AFTERNOON, "short"),
            format_time(time(14, 5), "short", rebase=False),
        ):
            assert "14:05" in shown and "AM" not in shown and "PM" not in shown
        assert "ធ្នូ" in format_datetime(AFTERNOON, "medium")  # the month in Khmer
    with flask_babel.force_locale("en"):
        assert format_time(AFTERNOON, "short").replace("\u202f", " ") == "2:05 PM"
        assert format_datetime(AFTERNOON, "medium").replace("\u202f", " ") == "Dec 7, 2026, 2:05:00 PM"
    assert format_datetime(None) == ""


def test_cambodia_is_written_in_the_page_language(request_context):
    with flask_babel.force_locale("km"):
        assert [country_name(v) for v in ("Cambodia", "KH", "កម្ពុជា", "")] == ["កម្ពុជា", "កម្ពុជា", "កម្ពុជា", ""]
    with flask_babel.force_locale("en"):
        assert country_name("cambodia") == "Cambodia"
        assert country_name("Thailand") == "Thailand"


def test_status_labels_in_khmer_and_their_colours(request_context):
    with flask_babel.force_locale("km"):
        assert status_label(OrderStatus.PENDING) == "កំពុងរង់ចាំ"
        assert status_label("paid", "payment") == "បានបង់ប្រាក់"
        assert all(status_label(s) != s.value for s in OrderStatus)
        assert all(status_label(s, "payment") != s.value for s in PaymentStatus)
        badge = status_badge("delivered")
        assert 'status-tone--done" data-status="delivered">' in badge and "delivered<" not in badge
    assert status_tone(OrderStatus.CANCELLED) == "stopped" and status_tone("failed", "payment") == "stopped"
    with pytest.raises(ValueError):
        status_label("lost")
