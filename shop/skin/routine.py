"""A morning and an evening routine from the active, in-stock catalog, each product with the
reason it was chosen, and warnings where the routine's ingredients clash."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shop.catalog.models import Product, SkinType
from shop.catalog.services import PUBLIC, suits_skin_type
from shop.catalog.vocab import concern_label, skin_type_label
from shop.extensions import db
from shop.skin.conflicts import Conflict, contains_any, find_conflicts
from shop.skin.questionnaire import SkinProfile

# Routine step -> the categories it is chosen from, in order of preference.
ROLES: dict[str, tuple[str, ...]] = {
    "cleanser": ("cleansers",),
    "toner": ("toners", "essences"),
    "serum": ("serums", "acne-treatments"),
    "moisturiser": ("moisturisers",),
    "sunscreen": ("sunscreens",),
}
ROLE_LABELS = {
    "cleanser": _l("Cleanser"),
    "toner": _l("Toner"),
    "serum": _l("Serum"),
    "moisturiser": _l("Moisturiser"),
    "sunscreen": _l("Sunscreen"),
}
MORNING = ("cleanser", "toner", "serum", "moisturiser", "sunscreen")
EVENING = ("cleanser", "toner", "serum", "moisturiser")
CANDIDATES_PER_ROLE = 150


@dataclass
class RoutineStep:
    role: str
    product: Product
    reason: str

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS[self.role])


@dataclass
class Routine:
    profile: SkinProfile
    morning: list[RoutineStep] = field(default_factory=list)
    evening: list[RoutineStep] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def products(self) -> list[Product]:
        seen: dict[int, Product] = {}
        for step in self.morning + self.evening:
            seen.setdefault(step.product.id, step.product)
        return list(seen.values())


def candidates(categories: Sequence[str], skin_type: str, limit: int = CANDIDATES_PER_ROLE) -> list[Product]:
    """Active, in-stock products of `categories` that suit `skin_type`, best sellers first."""
    query = (
        sa.select(Product)
        .where(PUBLIC, Product.is_in_stock, Product.category.in_(list(categories)))
        .where(suits_skin_type(SkinType(skin_type)))
        .order_by(Product.units_sold.desc(), Product.rating_avg.desc(), Product.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def score(product: Product, profile: SkinProfile) -> float:
    """How well a product fits the profile: shared concerns first, then an exact skin-type
    match, then rating and sales as tie-breakers."""
    shared = len(set(product.skin_concerns or ()) & set(profile.concerns))
    exact = 1 if product.skin_type.value == profile.skin_type else 0
    return shared * 3 + exact + float(product.rating_avg or 0) / 10 + min(product.units_sold or 0, 1000) / 100_000


def reason_for(product: Product, profile: SkinProfile) -> str:
    """Why the product was chosen, in the current language."""
    parts = []
    if product.skin_type.value == profile.skin_type:
        parts.append(_("Made for %(skin_type)s skin.", skin_type=skin_type_label(profile.skin_type).lower()))
    else:
        parts.append(_("Suits every skin type."))
    shared = [c for c in profile.concerns if c in set(product.skin_concerns or ())]
    if shared:
        parts.append(_("Targets %(concerns)s.", concerns=", ".join(concern_label(c).lower() for c in shared)))
    if profile.avoid:
        parts.append(_("Free of the ingredients you avoid."))
    return " ".join(parts)


def _pick(pool: list[Product], chosen: list[Product], exclude: set[int]) -> Product | None:
    """The best product of `pool` that does not clash with `chosen` (the best one when all do)."""
    options = [p for p in pool if p.id not in exclude] or pool
    for product in options:
        if not any(product.id in (c.first.id, c.second.id) for c in find_conflicts([*chosen, product])):
            return product
    return options[0] if options else None


def build_routine(profile: SkinProfile) -> Routine:
    """Morning (cleanser, toner, serum, moisturiser, sunscreen) and evening (no sunscreen)
    routines for `profile`, from active in-stock products without the avoided ingredients."""
    routine = Routine(profile)
    pools: dict[str, list[Product]] = {}
    for role, categories in ROLES.items():
        found = [p for p in candidates(categories, profile.skin_type) if not contains_any(p.ingredients, profile.avoid)]
        found.sort(key=lambda p: (-score(p, profile), p.id))
        pools[role] = found
        if not found:
            routine.missing.append(role)
    for part, roles in (("morning", MORNING), ("evening", EVENING)):
        chosen: list[Product] = []
        steps: list[RoutineStep] = getattr(routine, part)
        for role in roles:
            # The evening serum differs from the morning one when there is a choice.
            used = {s.product.id for s in routine.morning if s.role == role} if role == "serum" else set()
            product = _pick(pools[role], chosen, used if part == "evening" else set())
            if product is None:
                continue
            chosen.append(product)
            steps.append(RoutineStep(role, product, reason_for(product, profile)))
        routine.conflicts.extend(find_conflicts(chosen))
    return routine


def conflict_summary(conflicts: Sequence[Conflict], name: Any) -> list[dict[str, Any]]:
    """Conflicts as plain dicts for the doors; `name` gives a product's display name."""
    return [
        {
            "products": [c.first.id, c.second.id],
            "product_names": [name(c.first), name(c.second)],
            "message": c.message,
        }
        for c in conflicts
    ]
