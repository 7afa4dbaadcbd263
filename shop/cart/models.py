"""The persistent copy of signed-in users' carts (seed table `shopping_cart`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model
from shop.infra.columns import Money, created_at, updated_at


class CartItem(Model):
    __tablename__ = "shopping_cart"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="positive_quantity"),
        # Migration 0015: one line per variant (two sizes of a product are two lines); it was
        # the seed's (user_id, product_id).
        sa.UniqueConstraint("user_id", "variant_id"),
        sa.Index("idx_shopping_cart_user_id", "user_id"),
        sa.Index("idx_shopping_cart_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    # Added by migration 0004: the unit price when the line was added.
    price_at_add: Mapped[Decimal | None] = mapped_column(Money())
    # Added by migration 0015: the size or shade in the cart (the product's default variant for
    # lines older than variants).
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))


@sa.event.listens_for(CartItem, "before_insert")
def _default_variant(_mapper: Any, connection: sa.Connection, item: CartItem) -> None:
    """A line written without a variant (code from before variants) is the product's default."""
    if item.variant_id is None:
        from shop.catalog.models import ProductVariant

        item.variant_id = connection.scalar(
            sa.select(ProductVariant.id).where(ProductVariant.product_id == item.product_id, ProductVariant.is_default)
        )
