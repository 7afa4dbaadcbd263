"""Content pages: read one for the storefront, list and edit them for staff (with the audit log).

A page is found by its slug (`/pages/<slug>`); the title and body are shown in the shopper's
language, English when the Khmer is empty. The footer links to the DEFAULT_PAGES slugs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.audit.actors import Actor
from shop.content.models import ContentPage
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.infra.transactions import all_or_nothing

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 60
TITLE_MAX = 200
BODY_MAX = 50_000


def get_page(slug: str) -> ContentPage | None:
    """The page with this slug, or None (the storefront answers 404)."""
    if not SLUG.match(slug) or len(slug) > SLUG_MAX:
        return None
    return db.session.scalar(sa.select(ContentPage).where(ContentPage.slug == slug))


def list_pages() -> list[ContentPage]:
    """Every page, by slug (the staff list)."""
    return list(db.session.scalars(sa.select(ContentPage).order_by(ContentPage.slug)))


def get_page_by_id(page_id: int) -> ContentPage:
    """A page for staff to edit; NotFound when there is none."""
    page = db.session.get(ContentPage, page_id)
    if page is None:
        raise NotFound(_l("There is no such page."))
    return page


def snapshot(page: ContentPage) -> dict[str, Any]:
    """A page's editable values (the audit log's before and after)."""
    return {
        "slug": page.slug,
        "title_en": page.title_en,
        "title_km": page.title_km,
        "body_en": page.body_en,
        "body_km": page.body_km,
    }


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    slug = (values.get("slug") or "").strip().lower()
    if not slug:
        raise ShopError(_l("This field is required."), field="slug")
    if not SLUG.match(slug) or len(slug) > SLUG_MAX:
        raise ShopError(_l("Use lowercase letters, digits and hyphens (at most 60)."), field="slug")
    out["slug"] = slug
    for name, required in (("title_en", True), ("title_km", False)):
        value = " ".join((values.get(name) or "").split())
        if required and not value:
            raise ShopError(_l("This field is required."), field=name)
        if len(value) > TITLE_MAX:
            raise ShopError(_l("Must be at most %(max)s characters.", max=TITLE_MAX), field=name)
        out[name] = value or None
    for name in ("body_en", "body_km"):
        value = (values.get(name) or "").replace("\r\n", "\n").strip()
        if len(value) > BODY_MAX:
            raise ShopError(_l("Must be at most %(max)s characters.", max=BODY_MAX), field=name)
        if any(ord(c) < 32 and c not in "\n\t" for c in value):
            raise ShopError(_l("The text contains characters that cannot be shown."), field=name)
        out[name] = value
    out["body_km"] = out["body_km"] or None
    return out


def save_page(page_id: int | None, values: Mapping[str, Any], *, actor: Actor) -> ContentPage:
    """Create a page (`page_id` None) or change one, with its audit entry in the same
    transaction; a slug another page has is a Conflict. Staff see the change at once: pages are
    not cached."""
    return all_or_nothing(lambda: _save(page_id, values, actor))


def _save(page_id: int | None, values: Mapping[str, Any], actor: Actor) -> ContentPage:
    cleaned = _clean(values)
    clash = db.session.scalar(
        sa.select(ContentPage.id).where(ContentPage.slug == cleaned["slug"], ContentPage.id != (page_id or 0))
    )
    if clash is not None:
        raise Conflict(_l("Another page already has this address (slug)."), field="slug")
    if page_id is None:
        page = ContentPage(**cleaned, updated_by_id=actor.id)
        db.session.add(page)
        db.session.flush()
        actor.record("content_page.create", "content_page", page.id, after=snapshot(page))
    else:
        found = db.session.scalar(sa.select(ContentPage).where(ContentPage.id == page_id).with_for_update())
        if found is None:
            raise NotFound(_l("There is no such page."))
        page = found
        before = snapshot(page)
        for name, value in cleaned.items():
            setattr(page, name, value)
        page.updated_by_id = actor.id
        if snapshot(page) != before:
            actor.record("content_page.update", "content_page", page.id, before=before, after=snapshot(page))
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Another page already has this address (slug)."), field="slug") from None
    return page
