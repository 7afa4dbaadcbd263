"""Shipping methods and rates, and the tax rate. Configurable; defaults for Cambodia."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l

PHNOM_PENH = {"phnom penh", "ភ្នំពេញ"}


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    label: object  # a translatable string
    rate_phnom_penh: Decimal
    rate_province: Decimal | None  # None: not offered outside Phnom Penh


def methods() -> dict[str, ShippingMethod]:
    """The shipping methods, with rates from config (SHIPPING_*_RATE, USD)."""
    config = current_app.config
    return {
        "standard": ShippingMethod(
            "standard",
            _l("Standard delivery (1–3 days)"),
            Decimal(config.get("SHIPPING_STANDARD_RATE_PHNOM_PENH", "1.50")),
            Decimal(config.get("SHIPPING_STANDARD_RATE_PROVINCE", "3.00")),
        ),
        "express": ShippingMethod(
            "express",
            _l("Same-day delivery (Phnom Penh only)"),
            Decimal(config.get("SHIPPING_EXPRESS_RATE", "3.50")),
            None,
        ),
    }


def is_phnom_penh(address: dict | None) -> bool:
    city = ((address or {}).get("city") or "").strip().lower()
    return city in PHNOM_PENH


def shipping_rate(method_code: str, address: dict | None) -> Decimal | None:
    """The rate of a method to an address, or None when the method does not reach it."""
    method = methods().get(method_code)
    if method is None:
        return None
    return method.rate_phnom_penh if is_phnom_penh(address) else method.rate_province


def tax_rate() -> Decimal:
    """VAT in percent (TAX_RATE, default 10)."""
    return Decimal(str(current_app.config.get("TAX_RATE", "10")))
