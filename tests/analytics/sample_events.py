"""Two visitors and their events, for the analytics store's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from shop.analytics.tracking import EventType, Pending, Visitor

ALICE = Visitor("alice-session", 7, "Mozilla/5.0 (iPhone)", "10.0.0.1")
BOB = Visitor("bob-session", None, "Mozilla/5.0 (X11; Linux)", "10.0.0.2")


def make_event(visitor: Visitor, event_type: EventType, product_id: int | None = None, *, at=None, **metadata):
    at = at or datetime.now(UTC)
    payload = {
        "event_type": str(event_type),
        "event_data": {
            "product_id": product_id,
            "category": "serum",
            "page_url": "/p",
            "timestamp": at,
            "metadata": metadata,
        },
    }
    return Pending("event", visitor, payload, at)
