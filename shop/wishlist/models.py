"""Seed table `wishlists`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model
from shop.infra.columns import created_at


class WishlistItem(Model):
    __tablename__ = "wishlists"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "product_id"),
        sa.Index("idx_wishlists_user_id", "user_id"),
        sa.Index("idx_wishlists_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at()
