"""The variant lines of the product CSV (shop.catalog.transfer): one line per size or shade.

A product's lines share its slug; each names one variant by its SKU, which is how the import
finds it within the product (a SKU is never renamed by a file: a new SKU is a new variant).
The values are checked by shop.catalog.variant_editing's rules, and the product's variants are
then checked as a whole as they will be after the import (the listed ones and those the file
leaves out): option values unique, every size named when there are several on sale, at least
one on sale, exactly one default. Nothing is written here until every line of the file passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from shop.audit.actors import Actor
from shop.catalog import variant_editing
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Product, ProductVariant
from shop.errors import ShopError
from shop.extensions import db
from shop.infra.columns import utcnow

# CSV column -> variant field (shop.catalog.variant_editing.FIELDS)
FIELD_OF = {
    "option_name": "option_name",
    "option_value_en": "option_value_en",
    "option_value_kh": "option_value_kh",
    "variant_sku": "sku",
    "variant_barcode": "barcode",
    "variant_price": "price",
    "variant_compare_at_price": "compare_at_price",
    "variant_cost_price": "cost_price",
    "variant_stock": "stock",
    "variant_track_stock": "track_stock",
    "variant_allow_backorder": "allow_backorder",
    "variant_weight": "weight",
}
COLUMN_OF = {field: column for column, field in FIELD_OF.items()}
COLUMNS = (*FIELD_OF, "variant_default", "variant_position", "variant_archived")
YES_NO = ("variant_track_stock", "variant_allow_backorder", "variant_default", "variant_archived")
MAX_POSITION = 10_000


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    message: str


@dataclass(frozen=True)
class Line:
    """One line of the file: its number (the last physical line, as csv counts) and its cells,
    stripped, for the columns the header names (a column the file leaves out is not there)."""

    number: int
    values: dict[str, str]

    @property
    def has_variant(self) -> bool:
        return any(self.values.get(column) for column in COLUMNS)


@dataclass
class Planned:
    """A checked variant line: `variant` is the one it updates (None: a new one)."""

    line: int
    variant: ProductVariant | None
    cleaned: dict[str, Any]
    archived: bool
    default: bool | None  # what the line says: yes, no, or nothing
    position: int | None

    @property
    def sku(self) -> str:
        return self.cleaned["sku"]


@dataclass
class Plan:
    """A product's variant lines, checked, and the SKU of its default once they are written."""

    lines: list[Planned]
    default_sku: str | None


def yes_no(column: str, text: str | None) -> bool | None:
    """A yes/no cell: None when empty; anything but yes/no (true/false, 1/0) is refused."""
    value = (text or "").strip().lower()
    if not value:
        return None
    if value in ("yes", "y", "true", "1", "on"):
        return True
    if value in ("no", "n", "false", "0", "off"):
        return False
    raise ShopError(_l("Must be true or false."), field=column)


def _position(text: str | None) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_POSITION:
        raise ShopError(
            _l("Enter the position as a whole number from 0 to %(max)s.", max=MAX_POSITION), field="variant_position"
        )
    return int(value)


def _cells(values: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, field in FIELD_OF.items():
        if column not in values:
            continue
        if column in YES_NO:
            flag = yes_no(column, values[column])
            out[field] = "" if flag is None else flag
        else:
            out[field] = values[column]
    return out


def plan(
    lines: list[Line],
    existing: list[ProductVariant],
    sku_owners: Mapping[str, int],
    product_id: int | None,
    errors: list[RowError],
) -> Plan:
    """Check a product's variant lines against its `existing` variants (None/[] for a new
    product). `sku_owners` maps the SKUs the file names that are taken to the product that has
    them (as a variant's or a product's SKU). Errors are added to `errors`, naming the line."""
    mine = {v.sku: v for v in existing}
    planned: list[Planned] = []
    for line in lines:
        if not line.has_variant:
            continue
        try:
            cells = _cells(line.values)
            sku = str(cells.get("sku") or "").strip()
            variant = mine.get(sku)
            owner = sku_owners.get(sku)
            if variant is None and owner is not None and owner != product_id:
                raise ShopError(_l("Another product or variant already has this SKU."), field="sku")
            current = variant_editing.snapshot(variant) if variant is not None else None
            cleaned = variant_editing.clean_values(cells, current)
            archived = yes_no("variant_archived", line.values.get("variant_archived"))
            default = yes_no("variant_default", line.values.get("variant_default"))
            position = _position(line.values.get("variant_position"))
        except ShopError as error:
            errors.append(RowError(line.number, COLUMN_OF.get(error.field or "", error.field), str(error.message)))
            continue
        if archived is None:
            archived = variant is not None and variant.archived_at is not None
        planned.append(Planned(line.number, variant, cleaned, archived, default, position))
    default_sku = _check_whole(planned, existing, lines[0].number, errors)
    _place(planned, existing)
    return Plan(planned, default_sku)


@dataclass(frozen=True)
class _State:
    line: int | None  # None: a variant the file leaves out
    sku: str
    name: str | None
    archived: bool
    said_default: bool | None
    was_default: bool
    position: int


def _check_whole(
    planned: list[Planned], existing: list[ProductVariant], first: int, errors: list[RowError]
) -> str | None:
    """The product's variants as they will be: the rules variant_editing keeps one change at a
    time, for all of them at once. Returns the SKU that will be the default."""
    listed = {p.sku for p in planned}
    states = [
        _State(None, v.sku, v.option_value_en, v.archived_at is not None, None, v.is_default, v.position)
        for v in existing
        if v.sku not in listed
    ]
    for p in planned:
        was_default = p.variant is not None and p.variant.is_default
        position = p.position if p.position is not None else (p.variant.position if p.variant else MAX_POSITION)
        states.append(_State(p.line, p.sku, p.cleaned["option_value_en"], p.archived, p.default, was_default, position))

    def refuse(line: int | None, column: str, message: Any) -> None:
        errors.append(RowError(line or first, column, str(message)))

    seen: set[str] = set()
    for state in states:
        if state.name is not None and state.name.lower() in seen:
            message = _l("Another size or shade of this product is already called %(value)s.", value=state.name)
            refuse(state.line, "option_value_en", message)
        seen.add((state.name or "").lower())
    on_sale = [s for s in states if not s.archived]
    if not on_sale:
        refuse(first, "variant_archived", _l("A product needs at least one size or shade on sale."))
        return None
    for state in on_sale if len(on_sale) > 1 else []:
        if state.name:
            continue
        if state.line is not None:
            refuse(state.line, "option_value_en", _l("Name the size or shade, such as 50 ml."))
        else:
            message = _l(
                "Give %(sku)s a line with its size or shade (option_value_en): this product has more than one.",
                sku=state.sku,
            )
            refuse(first, "option_value_en", message)
    chosen = [s for s in states if s.said_default]
    for extra in chosen[1:]:
        message = _l(
            "Only one size or shade of a product can be the default: line %(line)s is already.", line=chosen[0].line
        )
        refuse(extra.line, "variant_default", message)
    if chosen:
        if chosen[0].archived:
            refuse(chosen[0].line, "variant_default", _l("An archived size or shade cannot be the default."))
        return chosen[0].sku
    kept = next((s for s in on_sale if s.was_default and s.said_default is not False), None)
    if kept is not None:
        return kept.sku
    return min(on_sale, key=lambda s: s.position).sku  # none said: the first on sale


def _place(planned: list[Planned], existing: list[ProductVariant]) -> None:
    """New variants without a position go after the others, in the file's order."""
    taken = [v.position for v in existing] + [p.position for p in planned if p.position is not None]
    following = max(taken, default=-1) + 1
    for p in planned:
        if p.position is None and p.variant is None:
            p.position = following
            following += 1


def write(
    product: Product, plan: Plan, existing: list[ProductVariant], *, actor: Actor, new_product: bool
) -> tuple[bool, list[int]]:
    """Write a checked plan in the caller's transaction (the caller syncs the product and
    commits). A new product's default variant, made with it from the default line's values
    (shop.catalog.models), is that line's variant. Returns whether anything changed and the
    variants whose stock came back from none (back-in-stock alerts)."""
    found = {v.sku: v for v in existing}
    if new_product:
        first = catalog_variants.default_variant(product)
        found[first.sku] = first
    before = {sku: variant_editing.snapshot(v) for sku, v in found.items() if not new_product}
    # Option values and the default move in two steps, so that swapping them between two
    # variants never meets the unique constraints half way.
    renamed = [
        found[p.sku]
        for p in plan.lines
        if p.sku in found and found[p.sku].option_value_en != p.cleaned["option_value_en"]
    ]
    for variant in renamed:
        variant.option_value_en = None
    for variant in found.values():
        if variant.is_default and variant.sku != plan.default_sku:
            variant.is_default = False
    db.session.flush()
    now = utcnow()
    for p in plan.lines:
        if p.sku not in found:
            variant = ProductVariant(product_id=product.id, is_default=False, **p.cleaned)
            db.session.add(variant)
            found[p.sku] = variant
        else:
            variant = found[p.sku]
            for name, value in p.cleaned.items():
                setattr(variant, name, value)
        if p.position is not None:
            variant.position = p.position
        if p.archived and variant.archived_at is None:
            variant.archived_at = now
        elif not p.archived:
            variant.archived_at = None
    db.session.flush()
    if plan.default_sku is not None and not found[plan.default_sku].is_default:
        found[plan.default_sku].is_default = True
        db.session.flush()
    changed, restocked = False, []
    for sku, variant in found.items():
        after = variant_editing.snapshot(variant)
        if sku not in before:
            actor.record("variant.import_create", "product_variant", variant.id, after=after)
            changed = True
        elif after != before[sku]:
            actor.record("variant.import_update", "product_variant", variant.id, before=before[sku], after=after)
            changed = True
            if variant.track_stock and variant.archived_at is None and before[sku]["stock"] <= 0 < variant.stock:
                restocked.append(variant.id)
    return changed, restocked
