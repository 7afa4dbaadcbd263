"""Staff editing of variants: add, edit, reorder, archive, delete.

A variant's values are checked here (the doors only parse input): a price of at least 0.01, a
compare-at price not below it, stock not negative, a SKU no other variant has, option values
no other variant of the product has. A product keeps at least one active variant; a variant
somebody ordered is archived, never deleted. Every change is written with its audit entry and
the product's price, stock and SKU (shop.catalog.variants.sync) in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.audit.actors import Actor
from shop.catalog import editing, variants
from shop.catalog import services as catalog
from shop.catalog.models import Product, ProductVariant
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.infra.transactions import all_or_nothing
from shop.orders.models import OrderItem

MAX_STOCK = 1_000_000
OPTION_NAMES = ("size", "shade")
TEXT_LIMITS = {"option_value_en": 100, "option_value_kh": 100, "sku": 100, "barcode": 100, "image_url": 500}
MONEY_FIELDS = ("price", "compare_at_price", "cost_price")
FLAGS = ("track_stock", "allow_backorder")
FIELDS = ("option_name", *TEXT_LIMITS, *MONEY_FIELDS, "stock", *FLAGS, "weight")


def snapshot(variant: ProductVariant) -> dict[str, Any]:
    """A variant's editable values as JSON-friendly data (audit log, API, CSV)."""
    data: dict[str, Any] = {name: getattr(variant, name) for name in ("option_name", *TEXT_LIMITS, "stock", *FLAGS)}
    for name in (*MONEY_FIELDS, "weight"):
        value = getattr(variant, name)
        data[name] = None if value is None else f"{value:.2f}"
    data.update(
        id=variant.id,
        product_id=variant.product_id,
        is_default=variant.is_default,
        position=variant.position,
        archived=variant.archived_at is not None,
    )
    return data


# ---------------------------------------------------------------- checking values


def _money(name: str, value: Any, *, required: bool) -> Decimal | None:
    # Cents count: a multiple of 0.01 above 0 is at least 0.01, as this message says.
    return editing.parse_price(
        name, value, required=required, range_message=_l("A price must be at least 0.01 and at most 100000.")
    )


def _stock(value: Any) -> int:
    if value is None or value == "":
        return 0
    try:
        stock = int(str(value).strip())
    except ValueError:
        raise ShopError(_l("Enter the stock as a whole number."), field="stock") from None
    if stock < 0:
        raise ShopError(_l("Stock cannot be negative."), field="stock")
    if stock > MAX_STOCK:
        raise ShopError(_l("Enter at most %(count)s in stock.", count=MAX_STOCK), field="stock")
    return stock


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y")


def _weight(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        weight = Decimal(str(value).strip())
    except InvalidOperation:
        raise ShopError(_l("Enter the weight in grams, such as 50."), field="weight") from None
    if not weight.is_finite() or weight < 0 or weight >= Decimal("1000000"):
        raise ShopError(_l("Enter the weight in grams, such as 50."), field="weight")
    return weight.quantize(Decimal("0.01"))


def clean_values(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Checked variant values: the given ones over `current` (a snapshot, when editing)."""
    merged = {**(current or {}), **{k: v for k, v in values.items() if k in FIELDS}}
    cleaned: dict[str, Any] = {}
    for name, limit in TEXT_LIMITS.items():
        text = merged.get(name)
        text = str(text).strip() if text is not None else ""
        if len(text) > limit:
            raise ShopError(_l("At most %(count)s characters.", count=limit), field=name)
        cleaned[name] = text or None
    if not cleaned["sku"]:
        raise ShopError(_l("Enter a SKU."), field="sku")
    option = (merged.get("option_name") or "").strip().lower() or None
    if option is not None and option not in OPTION_NAMES:
        raise ShopError(_l("Choose size or shade."), field="option_name")
    cleaned["option_name"] = option if cleaned["option_value_en"] else None
    cleaned["price"] = _money("price", merged.get("price"), required=True)
    cleaned["compare_at_price"] = _money("compare_at_price", merged.get("compare_at_price"), required=False)
    cleaned["cost_price"] = _money("cost_price", merged.get("cost_price"), required=False)
    if cleaned["compare_at_price"] is not None and cleaned["compare_at_price"] < cleaned["price"]:
        raise ShopError(_l("The compare-at price cannot be below the price."), field="compare_at_price")
    cleaned["stock"] = _stock(merged.get("stock"))
    cleaned["track_stock"] = _flag(merged.get("track_stock"), True)
    cleaned["allow_backorder"] = _flag(merged.get("allow_backorder"), False)
    cleaned["weight"] = _weight(merged.get("weight"))
    return cleaned


def _check_unique(product_id: int, cleaned: dict[str, Any], variant_id: int | None) -> None:
    clash = db.session.scalar(
        sa.select(ProductVariant.id).where(ProductVariant.sku == cleaned["sku"], ProductVariant.id != (variant_id or 0))
    )
    other_product = db.session.scalar(
        sa.select(Product.id).where(Product.sku == cleaned["sku"], Product.id != product_id)
    )
    if clash is not None or other_product is not None:
        raise Conflict(_l("Another product or variant already has this SKU."), field="sku")
    value = cleaned["option_value_en"]
    if value is None:
        return
    same = db.session.scalar(
        sa.select(ProductVariant.id).where(
            ProductVariant.product_id == product_id,
            sa.func.lower(ProductVariant.option_value_en) == value.lower(),
            ProductVariant.id != (variant_id or 0),
        )
    )
    if same is not None:
        raise Conflict(
            _l("Another size or shade of this product is already called %(value)s.", value=value),
            field="option_value_en",
        )


def _locked_product(product_id: int) -> Product:
    product = db.session.scalar(sa.select(Product).where(Product.id == product_id).with_for_update())
    if product is None:
        raise NotFound(_l("There is no such product."))
    return product


def _locked_variant(variant_id: int) -> tuple[ProductVariant, Product]:
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None:
        raise NotFound(_l("There is no such size or shade."))
    product = _locked_product(variant.product_id)
    db.session.refresh(variant, with_for_update=True)
    return variant, product


def _finish(product: Product, restocked: Sequence[int] = ()) -> None:
    """Keep the product row in step, commit, then tell the waiting shoppers and the caches."""
    variants.sync([product.id])
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Another product or variant already has this SKU.")) from None
    catalog.invalidate_catalog_cache(product_ids=[product.id])
    if restocked:
        from shop.catalog import alerts

        alerts.restocked(restocked)


def _back_in_stock(before: int | None, variant: ProductVariant) -> bool:
    return variant.track_stock and (before is None or before <= 0) and variant.stock > 0


# ---------------------------------------------------------------- changes


def add_variant(product_id: int, values: Mapping[str, Any], *, actor: Actor) -> ProductVariant:
    """Add a size or shade to a product, last in its order. A product's variants are told
    apart by their option value, so the new one needs one, and so does the product's first
    variant when it is still unnamed."""
    return all_or_nothing(lambda: _add(product_id, values, actor))


def _add(product_id: int, values: Mapping[str, Any], actor: Actor) -> ProductVariant:
    product = _locked_product(product_id)
    cleaned = clean_values(values)
    existing = variants.variants_of(product.id, include_archived=True)
    if not existing:
        existing = [variants.default_variant(product)]
    if cleaned["option_value_en"] is None:
        raise ShopError(_l("Name the size or shade, such as 50 ml."), field="option_value_en")
    if any(v.option_value_en is None and v.archived_at is None for v in existing):
        raise ShopError(_l("Name this product's first size or shade before adding another."), field="option_value_en")
    _check_unique(product.id, cleaned, None)
    variant = ProductVariant(
        product_id=product.id, position=max(v.position for v in existing) + 1, is_default=False, **cleaned
    )
    db.session.add(variant)
    db.session.flush()
    actor.record("variant.create", "product_variant", variant.id, after=snapshot(variant))
    _finish(product)
    return variant


def update_variant(variant_id: int, values: Mapping[str, Any], *, actor: Actor) -> ProductVariant:
    """Change the given fields of a variant (the others stay); `is_default` true makes it the
    product's default. Stock that comes back from none tells the shoppers waiting for it."""
    return all_or_nothing(lambda: _update(variant_id, values, actor))


def _update(variant_id: int, values: Mapping[str, Any], actor: Actor) -> ProductVariant:
    variant, product = _locked_variant(variant_id)
    before = snapshot(variant)
    cleaned = clean_values(values, before)
    siblings = [v for v in variants.variants_of(product.id) if v.id != variant.id]
    if cleaned["option_value_en"] is None and siblings:
        raise ShopError(_l("Name the size or shade, such as 50 ml."), field="option_value_en")
    _check_unique(product.id, cleaned, variant.id)
    for name, value in cleaned.items():
        setattr(variant, name, value)
    if _flag(values.get("is_default"), False) and not variant.is_default:
        if variant.archived_at is not None:
            raise ShopError(_l("An archived size or shade cannot be the default."), field="is_default")
        for other in siblings:
            other.is_default = False
        db.session.flush()
        variant.is_default = True
    after = snapshot(variant)
    if after != before:
        actor.record("variant.update", "product_variant", variant.id, before=before, after=after)
    _finish(product, [variant.id] if _back_in_stock(before["stock"], variant) else [])
    return variant


def set_stock(variant_id: int, stock: Any, *, actor: Actor) -> ProductVariant:
    """Set one variant's stock (the staff's stock count); see update_variant."""
    return update_variant(variant_id, {"stock": stock}, actor=actor)


def reorder_variants(product_id: int, variant_ids: Sequence[int], *, actor: Actor) -> list[ProductVariant]:
    """Put a product's variants in this order (the picker's and the admin's); every variant of
    the product, archived ones included, exactly once."""
    return all_or_nothing(lambda: _reorder(product_id, variant_ids, actor))


def _reorder(product_id: int, variant_ids: Sequence[int], actor: Actor) -> list[ProductVariant]:
    product = _locked_product(product_id)
    found = {v.id: v for v in variants.variants_of(product.id, include_archived=True)}
    ids = [int(i) for i in variant_ids]
    if sorted(ids) != sorted(found):
        raise ShopError(_l("List every size or shade of this product once."), field="variant_ids")
    before = [v.id for v in sorted(found.values(), key=lambda v: (v.position, v.id))]
    for position, variant_id in enumerate(ids):
        found[variant_id].position = position
    if before != ids:
        actor.record("variant.reorder", "product", product.id, before={"order": before}, after={"order": ids})
    _finish(product)
    return [found[i] for i in ids]


def archive_variant(variant_id: int, *, actor: Actor) -> ProductVariant:
    """Stop selling a variant (its orders keep pointing at it). The default's place goes to
    the next active variant; the product's last active variant cannot be archived."""
    return all_or_nothing(lambda: _archive(variant_id, actor))


def _archive(variant_id: int, actor: Actor) -> ProductVariant:
    variant, product = _locked_variant(variant_id)
    if variant.archived_at is not None:
        return variant
    others = [v for v in variants.variants_of(product.id) if v.id != variant.id]
    if not others:
        raise ShopError(_l("A product needs at least one size or shade on sale."), field="variant_id")
    before = snapshot(variant)
    variant.archived_at = utcnow()
    if variant.is_default:
        variant.is_default = False
        db.session.flush()
        others[0].is_default = True
    actor.record("variant.archive", "product_variant", variant.id, before=before, after=snapshot(variant))
    _finish(product)
    return variant


def restore_variant(variant_id: int, *, actor: Actor) -> ProductVariant:
    """Sell an archived variant again."""
    return all_or_nothing(lambda: _restore(variant_id, actor))


def _restore(variant_id: int, actor: Actor) -> ProductVariant:
    variant, product = _locked_variant(variant_id)
    if variant.archived_at is None:
        return variant
    before = snapshot(variant)
    variant.archived_at = None
    actor.record("variant.restore", "product_variant", variant.id, before=before, after=snapshot(variant))
    _finish(product)
    return variant


def delete_variant(variant_id: int, *, actor: Actor) -> None:
    """Delete a variant nobody ordered. The product's last variant is refused, and so is an
    ordered one: archive it instead (its orders keep pointing at it)."""
    all_or_nothing(lambda: _delete(variant_id, actor))


def _delete(variant_id: int, actor: Actor) -> None:
    variant, product = _locked_variant(variant_id)
    others = [v for v in variants.variants_of(product.id, include_archived=True) if v.id != variant.id]
    if not others:
        raise ShopError(_l("A product needs at least one size or shade: this is its last."), field="variant_id")
    ordered = db.session.scalar(sa.select(OrderItem.id).where(OrderItem.variant_id == variant.id).limit(1))
    if ordered is not None:
        raise Conflict(
            _l("This size or shade was ordered, so it cannot be deleted: archive it instead."), field="variant_id"
        )
    active = [v for v in others if v.archived_at is None]
    if variant.archived_at is None and not active:
        raise ShopError(_l("A product needs at least one size or shade on sale."), field="variant_id")
    before = snapshot(variant)
    was_default = variant.is_default
    db.session.delete(variant)
    db.session.flush()
    if was_default:
        active[0].is_default = True
    actor.record("variant.delete", "product_variant", variant_id, before=before)
    _finish(product)
