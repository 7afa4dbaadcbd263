"""The tax rate. Delivery rates live in delivery zones: shop.delivery.services."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app


def tax_rate() -> Decimal:
    """VAT in percent (TAX_RATE, default 10)."""
    return Decimal(str(current_app.config.get("TAX_RATE", "10")))
