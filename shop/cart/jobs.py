"""Cart jobs: the nightly clean-up of carts nobody came back to (shop.scheduling)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from shop.cart.models import CartItem
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.infra.transactions import rows_changed


def delete_abandoned_carts() -> dict[str, int]:
    """Delete the stored cart lines (signed-in shoppers' carts) untouched for CART_ABANDONED_DAYS.

    A guest's cart lives in their session and goes with it: in Redis the session expires by
    itself (PERMANENT_SESSION_LIFETIME), without Redis it is the browser's signed cookie. So the
    table holds the only carts left behind. Idempotent: a second run finds nothing older."""
    cutoff = utcnow() - timedelta(days=int(current_app.config.get("CART_ABANDONED_DAYS", 60)))
    deleted = rows_changed(sa.delete(CartItem).where(CartItem.updated_at < cutoff))
    db.session.commit()
    return {"cart_lines": deleted}
