"""Table `content_pages` (migration 0014): the shop's information pages, Markdown in English and
Khmer, edited by staff."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model
from shop.infra.columns import created_at, updated_at


class ContentPage(Model):
    __tablename__ = "content_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_km: Mapped[str | None] = mapped_column(sa.String(200))
    body_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    body_km: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = updated_at()
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    def title(self, locale: str) -> str:
        """The title in `locale` ("km" or "en"), English when there is no Khmer one."""
        return (self.title_km if locale == "km" and self.title_km else None) or self.title_en

    def body(self, locale: str) -> str:
        """The Markdown in `locale`, English when there is no Khmer one."""
        return (self.body_km if locale == "km" and self.body_km else None) or self.body_en
