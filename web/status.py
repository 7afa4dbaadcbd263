"""Order, payment and fulfilment statuses as every door shows them: a translated label, and on
pages a coloured badge whose colour says how the order is doing (waiting, moving, done, stopped).

One place for the labels, so the storefront, the staff pages and the emails never show the raw
enum value ("pending") in Khmer. The labels themselves are the domain's (shop.orders)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from flask import Flask
from markupsafe import Markup

from shop.orders import fulfilment
from shop.orders import services as orders
from shop.orders.models import FulfillmentStatus, OrderStatus, PaymentStatus

# Tone -> colour in the stylesheet (status-badge--<tone>): waiting for someone, on its way,
# done, stopped, closed without harm.
ORDER_TONES = {
    OrderStatus.PENDING: "waiting",
    OrderStatus.CONFIRMED: "moving",
    OrderStatus.PROCESSING: "moving",
    OrderStatus.SHIPPED: "moving",
    OrderStatus.DELIVERED: "done",
    OrderStatus.CANCELLED: "stopped",
    OrderStatus.REFUNDED: "closed",
}
PAYMENT_TONES = {
    PaymentStatus.PENDING: "waiting",
    PaymentStatus.PAID: "done",
    PaymentStatus.PARTIALLY_PAID: "waiting",
    PaymentStatus.REFUNDED: "closed",
    PaymentStatus.PARTIALLY_REFUNDED: "closed",
    PaymentStatus.FAILED: "stopped",
}
FULFILMENT_TONES = {
    FulfillmentStatus.UNFULFILLED: "waiting",
    FulfillmentStatus.PARTIAL: "moving",
    FulfillmentStatus.FULFILLED: "moving",
    FulfillmentStatus.SHIPPED: "moving",
    FulfillmentStatus.DELIVERED: "done",
}


def _value(status: Any) -> str:
    return status.value if isinstance(status, Enum) else str(status)


def order_status_label(status: OrderStatus | str) -> str:
    """The translated name of an order status ("pending" in English, its Khmer word in km)."""
    return orders.status_label(OrderStatus(_value(status)))


def payment_status_label(status: PaymentStatus | str) -> str:
    """The translated name of a payment status."""
    return fulfilment.payment_label(PaymentStatus(_value(status)))


def fulfilment_status_label(status: FulfillmentStatus | str) -> str:
    """The translated name of a fulfilment status."""
    return fulfilment.fulfilment_label(FulfillmentStatus(_value(status)))


KINDS = {
    "order": (order_status_label, OrderStatus, ORDER_TONES),
    "payment": (payment_status_label, PaymentStatus, PAYMENT_TONES),
    "fulfilment": (fulfilment_status_label, FulfillmentStatus, FULFILMENT_TONES),
}


def status_label(status: Any, kind: str = "order") -> str:
    """The translated label of a status of `kind` (order, payment, fulfilment)."""
    return KINDS[kind][0](status)


def status_tone(status: Any, kind: str = "order") -> str:
    """The badge colour of a status: waiting, moving, done, stopped or closed."""
    _label, enum, tones = KINDS[kind]
    return tones[enum(_value(status))]  # type: ignore[index]


def status_badge(status: Any, kind: str = "order") -> Markup:
    """A status as a coloured, translated label: `<span class="status-badge ...">`. The colour
    is never the only sign: the word is there."""
    value = _value(status)
    return Markup('<span class="status-badge status-badge--{} status-tone--{}" data-status="{}">{}</span>').format(
        value, status_tone(status, kind), value, status_label(status, kind)
    )


def register_status_filters(app: Flask) -> None:
    """`{{ order.status|order_status }}`, `|payment_status`, `|fulfilment_status` (text) and
    `{{ order.status|status_badge }}` / `{{ p|status_badge('payment') }}` (badges) for every door."""
    app.add_template_filter(order_status_label, "order_status")
    app.add_template_filter(payment_status_label, "payment_status")
    app.add_template_filter(fulfilment_status_label, "fulfilment_status")
    app.add_template_filter(status_badge, "status_badge")
    app.add_template_global(status_label, "status_text")
