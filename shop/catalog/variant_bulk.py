"""Staff changing the stock and prices of many variants at once: the "Stock and prices" page
(/admin/products/stock) and POST /api/v1/admin/products/variants/bulk-update.

All the changes or none. Each is checked with variant_editing's rules (a price of at least
0.01, a compare-at price not below it, stock from 0 to MAX_STOCK), and every refused one is
reported with its variant, so staff fix those rows and save again. The product rows are locked
first and then their variants, in id order (checkout's order): a sale and a stock count queue
behind each other instead of deadlocking. A change may say which stock it was made against
(`expected_stock`: what the page showed); when a sale moved it meanwhile, that change is refused
with the stock as it is now, rather than silently counting over the sale. Stock coming back from
none emails the shoppers waiting for it (shop.catalog.alerts) once the change commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from shop.audit.actors import Actor
from shop.catalog import alerts, editing, variant_editing
from shop.catalog import services as catalog
from shop.catalog import variants as catalog_variants
from shop.catalog.models import LOW_STOCK_THRESHOLD, Category, Product, ProductStatus, ProductVariant
from shop.errors import ShopError
from shop.extensions import db
from shop.infra.transactions import all_or_nothing
from shop.paging import Page, paginate

MAX_VARIANTS = 500
FIELDS = ("stock", "price", "compare_at_price")


@dataclass(frozen=True)
class Change:
    """New values for one variant: any of FIELDS (one left out stays as it is; an empty
    compare-at price removes it)."""

    variant_id: int
    values: Mapping[str, Any] = field(default_factory=dict)
    expected_stock: int | None = None  # the stock the change was made against


@dataclass(frozen=True)
class Problem:
    index: int  # of the change, in the order given
    variant_id: int
    field: str | None
    message: str


class ChangesRefused(ShopError):
    """Some changes were refused (`problems`, one or more per change); nothing was written."""

    status = 400  # a rule said no (as one variant's change would), not malformed input
    code = "changes_refused"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(_l("Nothing was saved: correct the rows marked and save again."), field="items")
        self.problems = problems


def list_variants(
    *,
    query: str = "",
    status: ProductStatus | None = None,
    category: Category | None = None,
    stock: str | None = None,
    featured: bool | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[ProductVariant]:
    """One page of the sizes and shades on sale of the products the staff's filters find (the
    product table's, and `query` also finds a variant's SKU), newest products first and each
    product's sizes together in their order, with their products loaded. `stock` ("out", "low",
    "in") looks at each variant's own stock."""
    conditions: list[sa.ColumnExpressionArgument[bool]] = [
        ProductVariant.archived_at.is_(None),
        *editing.product_conditions(
            query=query, status=status, category=category, featured=featured, extra_sku=ProductVariant.sku
        ),
    ]
    tracked = ProductVariant.track_stock
    if stock == "out":
        conditions.append(sa.and_(tracked, ProductVariant.stock <= 0))
    elif stock == "low":
        conditions.append(sa.and_(tracked, ProductVariant.stock > 0, ProductVariant.stock <= LOW_STOCK_THRESHOLD))
    elif stock == "in":
        conditions.append(sa.or_(sa.not_(tracked), ProductVariant.stock > 0))
    ordered = (
        sa.select(ProductVariant)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(*conditions)
        .order_by(Product.created_at.desc(), Product.id.desc(), ProductVariant.position, ProductVariant.id)
    )
    return paginate(ordered, page=page, per_page=per_page, options=[contains_eager(ProductVariant.product)])


def update_many(changes: Sequence[Change], *, actor: Actor) -> list[ProductVariant]:
    """Set the stock, price and compare-at price of many variants in one transaction: all or
    none (ChangesRefused lists every refusal). Returns the variants in the order given."""
    return all_or_nothing(lambda: _update_many(changes, actor))


def _update_many(changes: Sequence[Change], actor: Actor) -> list[ProductVariant]:
    if not changes:
        raise ShopError(_l("Change at least one size or shade."), field="items")
    if len(changes) > MAX_VARIANTS:
        raise ShopError(_l("Change at most %(count)s sizes or shades at once.", count=MAX_VARIANTS), field="items")
    ids = sorted({c.variant_id for c in changes})
    product_ids = sorted(
        set(db.session.scalars(sa.select(ProductVariant.product_id).where(ProductVariant.id.in_(ids))))
    )
    db.session.execute(sa.select(Product.id).where(Product.id.in_(product_ids)).order_by(Product.id).with_for_update())
    found = {
        v.id: v
        for v in db.session.scalars(
            sa.select(ProductVariant)
            .where(ProductVariant.id.in_(ids))
            .order_by(ProductVariant.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    problems: list[Problem] = []
    planned: list[tuple[ProductVariant, dict[str, Any], dict[str, Any]]] = []
    seen: set[int] = set()
    for index, change in enumerate(changes):
        variant = found.get(change.variant_id)
        if variant is None:
            problems.append(Problem(index, change.variant_id, "id", str(_l("There is no such size or shade."))))
            continue
        if variant.id in seen:
            problems.append(Problem(index, variant.id, "id", str(_l("This size or shade is in the list twice."))))
            continue
        seen.add(variant.id)
        values = {k: v for k, v in change.values.items() if k in FIELDS}
        if "stock" in values and change.expected_stock is not None and variant.stock != change.expected_stock:
            message = _l(
                "The stock changed to %(count)s since the page was opened (a sale?): check it and save again.",
                count=variant.stock,
            )
            problems.append(Problem(index, variant.id, "stock", str(message)))
            continue
        before = variant_editing.snapshot(variant)
        try:
            cleaned = variant_editing.clean_values(values, before)
        except ShopError as error:
            problems.append(Problem(index, variant.id, error.field, str(error.message)))
            continue
        planned.append((variant, before, cleaned))
    if problems:
        raise ChangesRefused(problems)
    restocked: list[int] = []
    for variant, before, cleaned in planned:
        for name in FIELDS:
            setattr(variant, name, cleaned[name])
        after = variant_editing.snapshot(variant)
        if after == before:
            continue
        actor.record("variant.bulk_update", "product_variant", variant.id, before=before, after=after)
        if variant.track_stock and variant.archived_at is None and before["stock"] <= 0 < variant.stock:
            restocked.append(variant.id)
    catalog_variants.sync(product_ids)
    db.session.commit()
    catalog.invalidate_catalog_cache(product_ids=product_ids)
    if restocked:
        alerts.restocked(restocked)
    return [found[c.variant_id] for c in changes]
