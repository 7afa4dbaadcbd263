"""Variants: the sizes and shades a product is sold in, each with its own SKU, price and stock.

The product row keeps the seed's meaning: `price` is the lowest active variant's price ("from
$18.00"), `stock` the sum of its tracked variants' stock, `sku` its default variant's. `sync`
writes them, in the caller's transaction, after any change to a product's variants; checkout
takes stock from the variant and the product in the same transaction (shop.orders.services).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.catalog.models import Product, ProductVariant
from shop.errors import ShopError
from shop.extensions import db
from shop.i18n import localized


class VariantNotOfProduct(ShopError):
    status = 422
    code = "variant_not_of_product"
    default_message = _l("This size or shade is not one of this product's.")


@dataclass(frozen=True)
class PriceRange:
    low: Decimal
    high: Decimal

    @property
    def is_range(self) -> bool:
        return self.low != self.high


def sync(product_ids: Iterable[int]) -> None:
    """Set each product's price, compare-at price, stock, SKU and stock flags from its active
    variants, in one UPDATE per product set: listings, search and the seed's queries read the
    product row, so it must never disagree with what is sold. The caller commits."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    db.session.flush()  # a Core UPDATE does not flush the session's pending variants itself
    products = cast(sa.Table, Product.__table__)
    v = cast(sa.Table, ProductVariant.__table__)
    active = sa.and_(v.c.product_id == products.c.id, v.c.archived_at.is_(None))

    def of_active(column: sa.ColumnElement) -> sa.ScalarSelect:
        return sa.select(column).where(active).scalar_subquery()

    highest = of_active(sa.func.max(v.c.price))
    cheapest = sa.select(v.c.compare_at_price).where(active).order_by(v.c.price, v.c.position, v.c.id).limit(1)
    db.session.execute(
        sa.update(products)
        .where(products.c.id.in_(ids), sa.exists().where(active))
        .values(
            price=of_active(sa.func.min(v.c.price)),
            price_max=sa.case((highest > of_active(sa.func.min(v.c.price)), highest), else_=None),
            compare_at_price=cheapest.scalar_subquery(),
            stock=sa.select(sa.func.coalesce(sa.func.sum(v.c.stock), 0))
            .where(active, v.c.track_stock)
            .scalar_subquery(),
            track_inventory=sa.select(sa.func.count()).where(active, v.c.track_stock).scalar_subquery() > 0,
            allow_backorders=sa.select(sa.func.count()).where(active, v.c.allow_backorder).scalar_subquery() > 0,
            sku=sa.select(v.c.sku).where(v.c.product_id == products.c.id, v.c.is_default).scalar_subquery(),
        )
        .execution_options(synchronize_session=False)
    )
    for product in [p for p in db.session.identity_map.values() if isinstance(p, Product) and p.id in ids]:
        db.session.expire(product)


def variants_of(product_id: int, *, include_archived: bool = False) -> list[ProductVariant]:
    """A product's variants in the staff's order (position), the default among them."""
    query = sa.select(ProductVariant).where(ProductVariant.product_id == product_id)
    if not include_archived:
        query = query.where(ProductVariant.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(ProductVariant.position, ProductVariant.id)))


def variants_by_product(product_ids: Iterable[int]) -> dict[int, list[ProductVariant]]:
    """Active variants of many products at once (listings, the cart, the API)."""
    ids = list(set(product_ids))
    found: dict[int, list[ProductVariant]] = {pid: [] for pid in ids}
    if not ids:
        return found
    query = (
        sa.select(ProductVariant)
        .where(ProductVariant.product_id.in_(ids), ProductVariant.archived_at.is_(None))
        .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
    )
    for variant in db.session.scalars(query):
        found[variant.product_id].append(variant)
    return found


def products_and_variants(
    product_ids: Iterable[int], products: dict[int, Product] | None = None
) -> tuple[dict[int, Product], dict[int, list[ProductVariant]]]:
    """The products (those in `products` already loaded are kept) and their active variants, as
    a basket needs them to be priced: in one query, the variants joined to their products,
    where reading each apart cost checkout and the cart a second round trip."""
    ids = list(set(product_ids))
    if products is not None and set(ids) <= set(products):
        return products, variants_by_product(ids)
    found: dict[int, Product] = {}
    variants: dict[int, list[ProductVariant]] = {pid: [] for pid in ids}
    if not ids:
        return found, variants
    query = (
        sa.select(Product, ProductVariant)
        .outerjoin(
            ProductVariant,
            sa.and_(ProductVariant.product_id == Product.id, ProductVariant.archived_at.is_(None)),
        )
        .where(Product.id.in_(ids))
        .order_by(Product.id, ProductVariant.position, ProductVariant.id)
    )
    for product, variant in db.session.execute(query).tuples():
        found[product.id] = product
        if variant is not None:
            variants[product.id].append(variant)
    return found, variants


def default_variant(product: Product) -> ProductVariant:
    """The product's default variant. A product written around the ORM (a bulk import, raw
    SQL) may have none yet: it gets one from its own columns, as migration 0016 gave every
    product."""
    variant = db.session.scalar(
        sa.select(ProductVariant).where(ProductVariant.product_id == product.id, ProductVariant.is_default)
    )
    if variant is not None:
        return variant
    variant = ProductVariant(
        product_id=product.id,
        sku=product.sku,
        barcode=product.barcode,
        price=product.price,
        compare_at_price=product.compare_at_price,
        cost_price=product.cost_price,
        stock=product.stock or 0,
        track_stock=product.track_inventory,
        allow_backorder=product.allow_backorders,
        weight=product.weight,
        is_default=True,
        position=0,
    )
    with db.session.begin_nested():
        db.session.add(variant)
    return variant


def variant_for(product: Product, variant_id: int | None) -> ProductVariant:
    """The variant a shopper chose of `product`: its default when none was chosen. A variant of
    another product, or one no longer sold, is refused (422), never silently swapped."""
    if variant_id is None:
        return default_variant(product)
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product.id or variant.archived_at is not None:
        raise VariantNotOfProduct(field="variant_id")
    return variant


def cheapest_in_stock(product: Product) -> ProductVariant:
    """What a recommendation or a routine puts in the cart: the default variant when it can be
    bought, else the cheapest variant that can, else the default (the cart says it is sold out)."""
    variants = variants_of(product.id)
    default = next((v for v in variants if v.is_default), None) or default_variant(product)
    if default.is_in_stock and default.archived_at is None:
        return default
    buyable = sorted((v for v in variants if v.is_in_stock), key=lambda v: (v.price, v.position, v.id))
    return buyable[0] if buyable else default


def price_range(variants: list[ProductVariant], product: Product) -> PriceRange:
    """Lowest and highest price of the active variants (the product's price when it has none)."""
    prices = [v.price for v in variants if v.archived_at is None] or [product.price]
    return PriceRange(min(prices), max(prices))


def variant_name(variant: ProductVariant | None) -> str | None:
    """The variant's option value in the current language ("50 ml"); None for a product's only,
    unnamed variant."""
    if variant is None:
        return None
    return localized(variant, "option_value")


def has_choice(variants: list[ProductVariant]) -> bool:
    """Whether the shopper has a size or shade to choose (more than one active variant)."""
    return len([v for v in variants if v.archived_at is None]) > 1


def give_back(items: Iterable[Any]) -> list[int]:
    """Put order items' quantities back on their variants' shelves and their products' totals
    (a cancelled order, a refund with restock): the mirror of checkout's conditional takes,
    for the variants whose stock is tracked. Items from before variants go to the default
    variant. Returns the variants that were sold out and now are not (back-in-stock alerts).
    The caller commits."""
    products = cast(sa.Table, Product.__table__)
    variants = cast(sa.Table, ProductVariant.__table__)
    back: list[int] = []
    for item in sorted(items, key=lambda i: (i.product_id or 0, i.variant_id or 0)):
        if item.product_id is None:
            continue
        which = (
            variants.c.id == item.variant_id
            if item.variant_id is not None
            else sa.and_(variants.c.product_id == item.product_id, variants.c.is_default)
        )
        # The product row first, as checkout's takes lock it (orders.services._take_stock): an
        # expiry giving stock back and a late payment taking it again must not deadlock.
        db.session.execute(sa.select(products.c.id).where(products.c.id == item.product_id).with_for_update())
        row = db.session.execute(
            sa.update(variants)
            .where(which, variants.c.track_stock)
            .values(stock=variants.c.stock + item.quantity)
            .returning(variants.c.id, variants.c.stock)
        ).first()
        if row is None:
            continue
        db.session.execute(
            sa.update(products).where(products.c.id == item.product_id).values(stock=products.c.stock + item.quantity)
        )
        if row.stock > 0 and row.stock - item.quantity <= 0:
            back.append(row.id)
    return back


def add_missing_defaults() -> int:
    """Give every product without a variant its default one from its own columns, in one
    INSERT ... SELECT, for bulk loads that write products around the ORM (the scale seed
    writes its products' variants itself, with COPY). Returns how many were added. The caller
    commits."""
    db.session.flush()
    products = cast(sa.Table, Product.__table__)
    v = cast(sa.Table, ProductVariant.__table__)
    columns = ["sku", "barcode", "price", "compare_at_price", "cost_price", "stock", "weight"]
    missing = sa.select(
        products.c.id,
        *(products.c[name] for name in columns),
        products.c.track_inventory,
        products.c.allow_backorders,
        sa.true(),
        sa.literal(0),
        sa.func.now(),
        sa.func.now(),
    ).where(~sa.exists().where(v.c.product_id == products.c.id))
    statement = sa.insert(v).from_select(
        [
            "product_id",
            *columns,
            "track_stock",
            "allow_backorder",
            "is_default",
            "position",
            "created_at",
            "updated_at",
        ],
        missing,
    )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(missing.subquery())) or 0
    if count:
        db.session.execute(statement)
    return count
