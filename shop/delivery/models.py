"""Delivery zones (migration 0013): `delivery_zones`, `delivery_zone_provinces`, `delivery_methods`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import Model
from shop.infra.columns import Money, created_at, updated_at


class DeliveryZone(Model):
    """A set of provinces delivered to in the same ways."""

    __tablename__ = "delivery_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(100))
    name_kh: Mapped[str | None] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()

    provinces: Mapped[list[DeliveryZoneProvince]] = relationship(
        back_populates="zone",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="DeliveryZoneProvince.province",
    )
    methods: Mapped[list[DeliveryMethod]] = relationship(
        back_populates="zone",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(DeliveryMethod.position, DeliveryMethod.id)",
    )

    @property
    def province_codes(self) -> list[str]:
        return [p.province for p in self.provinces]


class DeliveryZoneProvince(Model):
    """A province (ISO 3166-2:KH code) and its zone; the code is the key, so a province is in
    at most one zone."""

    __tablename__ = "delivery_zone_provinces"
    __table_args__ = (sa.Index("idx_delivery_zone_provinces_zone_id", "zone_id"),)

    province: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("delivery_zones.id", ondelete="CASCADE"))

    zone: Mapped[DeliveryZone] = relationship(back_populates="provinces")


class DeliveryMethod(Model):
    """One way of delivering in a zone: its rate, the order value above which it is free, and
    what the shopper is told about when it arrives."""

    __tablename__ = "delivery_methods"
    __table_args__ = (
        sa.CheckConstraint("rate >= 0", name="non_negative_rate"),
        sa.CheckConstraint("free_over IS NULL OR free_over > 0", name="positive_free_over"),
        sa.UniqueConstraint("zone_id", "code", name="uq_delivery_methods_zone_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("delivery_zones.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(30))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    name_kh: Mapped[str | None] = mapped_column(sa.String(100))
    rate: Mapped[Decimal] = mapped_column(Money())
    free_over: Mapped[Decimal | None] = mapped_column(Money())
    estimate_en: Mapped[str] = mapped_column(sa.String(100))
    estimate_kh: Mapped[str | None] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    zone: Mapped[DeliveryZone] = relationship(back_populates="methods")
