"""Shared set-up for the recommendation tests: events in the seed's user_analytics shape,
purchases as real orders."""

from __future__ import annotations

from datetime import timedelta

from shop.analytics.store import get_mongo
from shop.infra.columns import utcnow
from shop.orders.models import OrderStatus
from tests.factories import OrderFactory, OrderItemFactory


def track(user_id: int, *events: tuple[str, int], days_ago: float = 1) -> None:
    """One user_analytics document with (event_type, product_id) events."""
    when = utcnow() - timedelta(days=days_ago)
    get_mongo()["user_analytics"].insert_one(
        {
            "user_id": user_id,
            "session_id": f"session-{user_id}",
            "events": [
                {
                    "event_type": kind,
                    "event_data": {"product_id": pid, "page_url": f"/p/{pid}", "timestamp": when, "metadata": {}},
                }
                for kind, pid in events
            ],
            "device_info": {"device_type": "mobile"},
            "created_at": when,
            "updated_at": when,
        }
    )


def buy(user, *products, days_ago: float = 1, status: OrderStatus = OrderStatus.DELIVERED):
    """A real order of `products` by `user`, placed `days_ago` days ago."""
    order = OrderFactory(user=user, status=status, created_at=utcnow() - timedelta(days=days_ago))
    for product in products:
        OrderItemFactory(order=order, product=product, quantity=1)
    return order
