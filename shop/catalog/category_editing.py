"""Staff editing of categories: the tree, create, edit, delete, reorder.

A category with subcategories or products cannot be deleted (move or delete those first): the
shop never silently re-files products. Renaming a slug re-files the products whose primary
category it is (products.category holds the slug). A category cannot become its own ancestor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.audit.actors import Actor
from shop.catalog import services as catalog
from shop.catalog.editing import SLUG, slugify
from shop.catalog.models import Category, Product, product_categories
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.infra.transactions import all_or_nothing

SLUG_MAX = 50  # products.category, which holds the primary category's slug, is 50 long


@dataclass(frozen=True)
class Node:
    category: Category
    depth: int
    products: int
    children: int


def tree() -> list[Node]:
    """Every category (inactive ones too), depth first, each level in its display order."""
    categories = list(db.session.scalars(sa.select(Category).order_by(Category.sort_order, Category.name, Category.id)))
    counts = dict(
        db.session.execute(
            sa.select(product_categories.c.category_id, sa.func.count()).group_by(product_categories.c.category_id)
        )
        .tuples()
        .all()
    )
    whole = catalog.CategoryTree(categories)
    nodes: list[Node] = []

    def walk(level: list[Category], depth: int) -> None:
        for category in level:
            children = whole.children(category)
            nodes.append(Node(category, depth, counts.get(category.id, 0), len(children)))
            walk(children, depth + 1)

    walk(whole.roots, 0)
    return nodes


def get_category(category_id: int) -> Category:
    """Any category; NotFound when there is none."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_l("There is no such category."))
    return category


def snapshot(category: Category) -> dict[str, Any]:
    """A category's editable values (audit log, API)."""
    return {
        "name": category.name,
        "name_kh": category.name_kh,
        "slug": category.slug,
        "description": category.description,
        "description_kh": category.description_kh,
        "parent_id": category.parent_id,
        "is_active": category.is_active,
        "sort_order": category.sort_order,
        "image_url": category.image_url,
    }


def _clean(values: Mapping[str, Any], current: Mapping[str, Any], category_id: int | None) -> dict[str, Any]:
    merged = {**current, **values}
    out: dict[str, Any] = {}
    for name, limit in (("name", 100), ("name_kh", 100)):
        value = (merged.get(name) or "").strip()
        if len(value) > limit:
            raise ShopError(_l("Must be at most %(max)s characters.", max=limit), field=name)
        out[name] = value or None
    if not out["name"]:
        raise ShopError(_l("This field is required."), field="name")
    for name in ("description", "description_kh"):
        out[name] = (merged.get(name) or "").strip() or None
    slug = ((merged.get("slug") or "").strip() or slugify(out["name"])).lower()
    if not SLUG.match(slug) or len(slug) > SLUG_MAX:
        raise ShopError(_l("Use lowercase letters, digits and hyphens (at most 50)."), field="slug")
    out["slug"] = slug
    out["is_active"] = bool(merged.get("is_active", True))
    parent_id = merged.get("parent_id") or None
    if parent_id is not None:
        parent_id = int(parent_id)
        parent = db.session.get(Category, parent_id)
        if parent is None:
            raise ShopError(_l("Choose a parent category that exists."), field="parent_id")
        if category_id is not None and _is_within(parent, category_id):
            raise ShopError(_l("A category cannot be placed inside itself."), field="parent_id")
    out["parent_id"] = parent_id
    clash = db.session.scalar(sa.select(Category.id).where(Category.slug == slug, Category.id != (category_id or 0)))
    if clash is not None:
        raise Conflict(_l("Another category already has this address (slug)."), field="slug")
    return out


def _is_within(category: Category, ancestor_id: int) -> bool:
    seen: set[int] = set()
    current: Category | None = category
    while current is not None and current.id not in seen:
        if current.id == ancestor_id:
            return True
        seen.add(current.id)
        current = current.parent
    return False


def _commit(product_ids: Sequence[int] = ()) -> None:
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Another category already has this address (slug)."), field="slug") from None
    catalog.invalidate_catalog_cache(product_ids=product_ids, categories=True)


def create_category(values: Mapping[str, Any], *, actor: Actor) -> Category:
    """Add a category, last among its siblings."""
    return all_or_nothing(lambda: _create(values, actor))


def _create(values: Mapping[str, Any], actor: Actor) -> Category:
    cleaned = _clean(values, {}, None)
    last = db.session.scalar(
        sa.select(sa.func.max(Category.sort_order)).where(
            Category.parent_id.is_(None) if cleaned["parent_id"] is None else Category.parent_id == cleaned["parent_id"]
        )
    )
    category = Category(**cleaned, sort_order=(last or 0) + 1)
    db.session.add(category)
    db.session.flush()
    actor.record("category.create", "category", category.id, after=snapshot(category))
    _commit()
    return category


def update_category(category_id: int, values: Mapping[str, Any], *, actor: Actor) -> Category:
    """Change a category; a new slug re-files the products whose primary category it is."""
    return all_or_nothing(lambda: _update(category_id, values, actor))


def _update(category_id: int, values: Mapping[str, Any], actor: Actor) -> Category:
    category = db.session.scalar(sa.select(Category).where(Category.id == category_id).with_for_update())
    if category is None:
        raise NotFound(_l("There is no such category."))
    before = snapshot(category)
    cleaned = _clean(values, before, category.id)
    moved: list[int] = []
    if cleaned["slug"] != category.slug:
        moved = list(db.session.scalars(sa.select(Product.id).where(Product.category == category.slug)))
        db.session.execute(sa.update(Product).where(Product.category == category.slug).values(category=cleaned["slug"]))
    for name, value in cleaned.items():
        setattr(category, name, value)
    actor.record("category.update", "category", category.id, before=before, after=snapshot(category))
    _commit(moved)
    return category


def delete_category(category_id: int, *, actor: Actor) -> None:
    """Delete a category that has no subcategories and no products; otherwise say why not."""
    all_or_nothing(lambda: _delete(category_id, actor))


def _delete(category_id: int, actor: Actor) -> None:
    category = db.session.scalar(sa.select(Category).where(Category.id == category_id).with_for_update())
    if category is None:
        raise NotFound(_l("There is no such category."))
    if db.session.scalar(sa.select(sa.func.count()).where(Category.parent_id == category.id)):
        raise Conflict(_l("This category has subcategories: move or delete them first."), field="category")
    linked = sa.select(sa.func.count()).select_from(product_categories)
    in_use = db.session.scalar(linked.where(product_categories.c.category_id == category.id))
    primary = db.session.scalar(sa.select(sa.func.count()).where(Product.category == category.slug))
    if in_use or primary:
        raise Conflict(_l("This category has products: move them to another category first."), field="category")
    actor.record("category.delete", "category", category.id, before=snapshot(category))
    db.session.delete(category)
    _commit()


def reorder(category_ids: Sequence[int], *, actor: Actor) -> list[Category]:
    """Put sibling categories (one parent's children, all of them) in this order."""
    return all_or_nothing(lambda: _reorder(category_ids, actor))


def _reorder(category_ids: Sequence[int], actor: Actor) -> list[Category]:
    try:
        ids = [int(i) for i in category_ids]
    except (TypeError, ValueError):
        raise ShopError(_l("List the categories in their new order."), field="ids") from None
    if not ids or len(set(ids)) != len(ids):
        raise ShopError(_l("List the categories in their new order."), field="ids")
    rows = list(db.session.scalars(sa.select(Category).where(Category.id.in_(ids)).with_for_update()))
    parents = {c.parent_id for c in rows}
    if len(rows) != len(ids) or len(parents) != 1:
        raise ShopError(_l("Reorder the categories of one parent at a time."), field="ids")
    (parent_id,) = parents
    siblings = set(
        db.session.scalars(
            sa.select(Category.id).where(
                Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
            )
        )
    )
    if siblings != set(ids):
        raise ShopError(_l("List every category of that parent once."), field="ids")
    by_id = {c.id: c for c in rows}
    before = sorted(ids, key=lambda i: (by_id[i].sort_order, i))
    for position, category_id in enumerate(ids, start=1):
        by_id[category_id].sort_order = position
    actor.record("category.reorder", "category", parent_id, before={"order": before}, after={"order": ids})
    _commit()
    return [by_id[i] for i in ids]


def move(category_id: int, direction: str, *, actor: Actor) -> None:
    """Move a category one place up or down among its siblings (the no-JavaScript reorder)."""
    category = get_category(category_id)
    siblings = [
        c.id
        for c in db.session.scalars(
            sa.select(Category)
            .where(
                Category.parent_id.is_(None) if category.parent_id is None else Category.parent_id == category.parent_id
            )
            .order_by(Category.sort_order, Category.name, Category.id)
        )
    ]
    index = siblings.index(category.id)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise ShopError(_l("Choose up or down."), field="direction")
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
        reorder(siblings, actor=actor)
