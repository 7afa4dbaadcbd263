"""Ingredient groups and the pairs that should not be used together.

A product belongs to a group when one of its ingredients contains one of the group's names
(case-insensitive), so "Retinol" and "Encapsulated Retinol 0.3%" are both retinoids. The same
groups are what a shopper can ask to avoid in the skin analysis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from flask_babel import lazy_gettext as _l

# group code -> (label, ingredient names that put a product in the group)
INGREDIENT_GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "retinoids": (_l("Retinol and other retinoids"), ("retinol", "retinal", "retinyl", "tretinoin", "adapalene")),
    "aha": (
        _l("AHA (glycolic, lactic, mandelic acid)"),
        ("glycolic acid", "lactic acid", "mandelic acid", "malic acid", "tartaric acid"),
    ),
    "bha": (_l("BHA (salicylic acid)"), ("salicylic acid", "betaine salicylate", "willow bark")),
    "benzoyl_peroxide": (_l("Benzoyl peroxide"), ("benzoyl peroxide",)),
    "vitamin_c": (
        _l("Vitamin C"),
        ("ascorbic acid", "ascorbyl", "ascorbate"),
    ),
    "fragrance": (_l("Fragrance"), ("parfum", "fragrance", "linalool", "limonene", "citronellol", "geraniol")),
    "alcohol": (_l("Drying alcohol"), ("alcohol denat", "ethanol", "sd alcohol", "isopropyl alcohol")),
    "essential_oils": (_l("Essential oils"), ("leaf oil", "peel oil", "flower oil", "essential oil")),
}
AVOIDABLE = tuple(INGREDIENT_GROUPS)


@dataclass(frozen=True)
class ConflictRule:
    first: str
    second: str
    advice: Any


# The data table: which groups clash, and what to do about it.
CONFLICT_RULES: tuple[ConflictRule, ...] = (
    ConflictRule("retinoids", "aha", _l("Retinoids with AHA can irritate: use them on different evenings.")),
    ConflictRule("retinoids", "bha", _l("Retinoids with BHA can irritate: use them on different evenings.")),
    ConflictRule(
        "retinoids",
        "benzoyl_peroxide",
        _l("Benzoyl peroxide deactivates retinoids: use one in the morning and the other at night."),
    ),
    ConflictRule(
        "vitamin_c", "aha", _l("Vitamin C with AHA can sting and lose strength: use vitamin C in the morning.")
    ),
)


def group_label(code: str) -> str:
    """The translated name of an ingredient group."""
    return str(INGREDIENT_GROUPS[code][0]) if code in INGREDIENT_GROUPS else code


def groups_of(ingredients: Iterable[str] | None) -> frozenset[str]:
    """The ingredient groups a product's ingredient list belongs to."""
    names = [str(name).lower() for name in ingredients or ()]
    return frozenset(
        code
        for code, (_label, needles) in INGREDIENT_GROUPS.items()
        if any(n in name for name in names for n in needles)
    )


def contains_any(ingredients: Iterable[str] | None, groups: Iterable[str]) -> bool:
    """Whether the ingredients belong to any of `groups` (the shopper's avoided ingredients)."""
    wanted = set(groups)
    return bool(wanted and groups_of(ingredients) & wanted)


@dataclass(frozen=True)
class Conflict:
    """Two products (anything with `.id` and `.ingredients`) whose ingredients clash."""

    first: Any
    second: Any
    rule: ConflictRule

    @property
    def message(self) -> str:
        return str(self.rule.advice)


def find_conflicts(products: Sequence[Any]) -> list[Conflict]:
    """Every pair of different products whose ingredient groups clash (a product formulated with
    both is its maker's business, not a routine's)."""
    grouped = [(product, groups_of(product.ingredients)) for product in products]
    found: list[Conflict] = []
    for (a, groups_a), (b, groups_b) in combinations(grouped, 2):
        if a.id == b.id:
            continue
        for rule in CONFLICT_RULES:
            if rule.first in groups_a and rule.second in groups_b:
                found.append(Conflict(a, b, rule))
            elif rule.second in groups_a and rule.first in groups_b:
                found.append(Conflict(b, a, rule))
    return found
