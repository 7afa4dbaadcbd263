"""Staff editing of products: create, update, delete or archive, bulk changes.

A product's values are checked here (the doors only parse input): price above zero,
compare-at price above the price, known categories and skin concerns, unique SKU and slug.
Every change is written with its audit entry in one transaction and then the catalog caches
and search documents of the changed products are refreshed (`invalidate_catalog_cache`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.audit.actors import Actor
from shop.catalog import services as catalog
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Category, Product, ProductStatus, SkinType
from shop.catalog.vocab import SKIN_CONCERNS
from shop.errors import Conflict, NotFound, ShopError
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.infra.like import ESCAPE, contains
from shop.infra.transactions import all_or_nothing
from shop.money import to_money
from shop.orders.models import OrderItem
from shop.paging import Page, paginate

MAX_BULK = 500
MAX_PRICE = Decimal("100000")
MAX_STOCK = 1_000_000
TEXT_LIMITS = {
    "name_en": 255,
    "name_kh": 255,
    "slug": 255,
    "sku": 100,
    "barcode": 100,
    "brand": 100,
    "size": 50,
    "meta_title": 255,
}
LONG_TEXT = (
    "short_description",
    "description_en",
    "description_kh",
    "usage_instructions",
    "usage_instructions_kh",
    "meta_description",
)
MONEY_FIELDS = ("price", "compare_at_price", "cost_price")
FLAGS = ("track_inventory", "allow_backorders", "is_featured")
FIELDS = (
    *TEXT_LIMITS,
    *LONG_TEXT,
    *MONEY_FIELDS,
    "stock",
    *FLAGS,
    "skin_type",
    "skin_concerns",
    "ingredients",
    "status",
    "category_ids",
)
REQUIRED = ("name_en", "sku", "price", "category_ids")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str) -> str:
    """'Rice Water Toner 150 ml' -> 'rice-water-toner-150-ml' (ASCII only)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:255]


# ---------------------------------------------------------------- reading


def get_product(product_id: int) -> Product:
    """Any product (drafts and archived too) with its images and categories."""
    product = db.session.scalar(
        sa.select(Product)
        .where(Product.id == product_id)
        .options(selectinload(Product.images), selectinload(Product.categories))
    )
    if product is None:
        raise NotFound(_l("There is no such product."))
    return product


def list_products(
    *,
    query: str = "",
    status: ProductStatus | None = None,
    category: Category | None = None,
    stock: str | None = None,
    featured: bool | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[Product]:
    """One page of the products in every status for the staff table, newest first. `query` is a piece of the
    English or Khmer name, the brand or the SKU; `stock` is "out", "low" or "in"."""
    conditions: list[sa.ColumnExpressionArgument[bool]] = [
        *product_conditions(query=query, status=status, category=category, featured=featured)
    ]
    if stock == "out":
        conditions.append(sa.and_(Product.track_inventory, Product.stock <= 0))
    elif stock == "low":
        conditions.append(Product.is_low_stock)
    elif stock == "in":
        conditions.append(sa.or_(sa.not_(Product.track_inventory), Product.stock > 0))
    ordered = sa.select(Product).where(*conditions).order_by(Product.created_at.desc(), Product.id.desc())
    return paginate(ordered, page=page, per_page=per_page)


def product_conditions(
    *,
    query: str = "",
    status: ProductStatus | None = None,
    category: Category | None = None,
    featured: bool | None = None,
    extra_sku: Any = None,
) -> list[sa.ColumnElement[bool]]:
    """The staff's product filters as SQL conditions on `products` (the product table and the
    stock and prices page share them). `extra_sku` is one more SKU column the search looks in."""
    conditions: list[sa.ColumnElement[bool]] = []
    if status is not None:
        conditions.append(Product.status == status)
    if category is not None:
        ids = catalog.CategoryTree(list(db.session.scalars(sa.select(Category)))).subtree_ids(category)
        linked = sa.select(catalog.product_categories.c.product_id).where(
            catalog.product_categories.c.category_id.in_(ids)
        )
        conditions.append(Product.id.in_(linked))
    if featured is not None:
        conditions.append(Product.is_featured.is_(featured))
    text = query.strip().lower()
    if text:
        # Not the storefront's search: its index holds only active products, and staff look
        # for drafts and archived ones too. A substring of the names, brand or SKU.
        pattern = contains(text)
        columns = [Product.name_en, Product.name_kh, Product.sku, Product.brand]
        if extra_sku is not None:
            columns.append(extra_sku)
        conditions.append(sa.or_(*(sa.func.lower(c).like(pattern, escape=ESCAPE) for c in columns)))
    return conditions


def snapshot(product: Product) -> dict[str, Any]:
    """A product's editable values as JSON-friendly data (audit log, API, CSV)."""
    data: dict[str, Any] = {}
    for name in (*TEXT_LIMITS, *LONG_TEXT, "stock", *FLAGS, "skin_concerns", "ingredients"):
        data[name] = getattr(product, name)
    for name in MONEY_FIELDS:
        value = getattr(product, name)
        data[name] = None if value is None else f"{value:.2f}"
    data["skin_type"] = product.skin_type.value if product.skin_type else None
    data["status"] = product.status.value if product.status else None
    data["category"] = product.category
    data["category_ids"] = [c.id for c in product.categories]
    return data


# ---------------------------------------------------------------- checking values


def parse_price(
    name: str, value: Any, *, required: bool, range_message: Any = _l("Enter an amount above 0 and at most 100000.")
) -> Decimal | None:
    """A price as staff type it (text, number or Decimal): cents at most, above 0 and at most
    MAX_PRICE, else a ShopError on `name`. Products and their variants share this rule."""
    if value is None or value == "":
        if required:
            raise ShopError(_l("Enter a price."), field=name)
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ShopError(_l("Enter an amount such as 12.50."), field=name) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ShopError(_l("Enter an amount such as 12.50."), field=name)
    if amount <= 0 or amount > MAX_PRICE:
        raise ShopError(range_message, field=name)
    return to_money(amount)


def _text_list(name: str, value: Any) -> list[str] | None:
    if value is None or value == "":
        return None
    items = value.split(";") if isinstance(value, str) else list(value)
    cleaned = [str(item).strip() for item in items if str(item).strip()]
    if any(len(item) > 200 for item in cleaned) or len(cleaned) > 100:
        raise ShopError(_l("Too many or too long entries."), field=name)
    return cleaned or None


def clean_values(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Checked product values: `values` on top of `current` (an update), every rule applied.
    Raises ShopError naming the field."""
    merged = {**(current or {}), **{k: v for k, v in values.items() if k in FIELDS}}
    out: dict[str, Any] = {}
    for name, limit in TEXT_LIMITS.items():
        value = merged.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value and len(value) > limit:
            raise ShopError(_l("Must be at most %(max)s characters.", max=limit), field=name)
        out[name] = value or None
    for name in LONG_TEXT:
        value = merged.get(name)
        out[name] = (value.strip() if isinstance(value, str) else value) or None
    for name in ("name_en", "sku"):
        if not out[name]:
            raise ShopError(_l("This field is required."), field=name)
    out["slug"] = (out["slug"] or slugify(out["name_en"]) or slugify(out["sku"])).lower()
    if not SLUG.match(out["slug"]):
        raise ShopError(_l("Use lowercase letters, digits and hyphens."), field="slug")
    out["price"] = parse_price("price", merged.get("price"), required=True)
    out["compare_at_price"] = parse_price("compare_at_price", merged.get("compare_at_price"), required=False)
    out["cost_price"] = parse_price("cost_price", merged.get("cost_price"), required=False)
    if out["compare_at_price"] is not None and out["compare_at_price"] <= out["price"]:
        raise ShopError(_l("The compare-at price must be higher than the price."), field="compare_at_price")
    stock = merged.get("stock") if merged.get("stock") not in (None, "") else 0
    try:
        stock = int(str(stock).strip())
    except ValueError:
        raise ShopError(_l("Must be a whole number."), field="stock") from None
    if not 0 <= stock <= MAX_STOCK:
        raise ShopError(_l("Enter a stock from 0 to %(max)s.", max=MAX_STOCK), field="stock")
    out["stock"] = stock
    for name in FLAGS:
        value = merged.get(name)
        default = name == "track_inventory"
        out[name] = default if value is None or value == "" else _flag(name, value)
    out["skin_type"] = _choice("skin_type", merged.get("skin_type") or SkinType.ALL.value, SkinType)
    out["status"] = _choice("status", merged.get("status") or ProductStatus.DRAFT.value, ProductStatus)
    concerns = _text_list("skin_concerns", merged.get("skin_concerns"))
    if concerns and any(code not in SKIN_CONCERNS for code in concerns):
        raise ShopError(_l("Choose skin concerns from the list."), field="skin_concerns")
    out["skin_concerns"] = concerns
    out["ingredients"] = _text_list("ingredients", merged.get("ingredients"))
    if not merged.get("category_ids") and current is not None and current.get("category"):
        out["categories"] = None  # filed under a category slug only (older data): left as it is
    else:
        out["categories"] = _categories(merged.get("category_ids"))
    return out


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off"):
        return False
    raise ShopError(_l("Must be true or false."), field=name)


def _choice(name: str, value: Any, kind: type) -> Any:
    try:
        return kind(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        raise ShopError(_l("Choose one of the listed options."), field=name) from None


def _categories(value: Any) -> list[Category]:
    given = [value] if isinstance(value, int | str) else list(value or [])
    try:
        ids = list(dict.fromkeys(int(i) for i in given))
    except (TypeError, ValueError):
        raise ShopError(_l("Choose a category."), field="category_ids") from None
    if not ids:
        raise ShopError(_l("Choose a category."), field="category_ids")
    found = {c.id: c for c in db.session.scalars(sa.select(Category).where(Category.id.in_(ids)))}
    if len(found) != len(ids):
        raise ShopError(_l("Choose a category that exists."), field="category_ids")
    return [found[i] for i in ids]  # the first is the primary category


def _check_unique(values: dict[str, Any], product_id: int | None) -> None:
    for name in ("sku", "slug"):
        column = getattr(Product, name)
        clash = db.session.scalar(sa.select(Product.id).where(column == values[name], Product.id != (product_id or 0)))
        if clash is not None:
            if name == "sku":
                raise Conflict(_l("Another product already has this SKU."), field="sku")
            raise Conflict(_l("Another product already has this address (slug)."), field="slug")


def apply_values(product: Product, values: dict[str, Any]) -> None:
    """Set checked values (from clean_values) on a product; the first category is the primary."""
    categories = values["categories"]
    for name, value in values.items():
        if name != "categories":
            setattr(product, name, value)
    if categories is not None:
        product.categories = categories
        product.category = categories[0].slug[:50]
    if product.status == ProductStatus.ACTIVE and product.published_at is None:
        product.published_at = utcnow()


def _commit(product_ids: Sequence[int], *, categories: bool = False) -> None:
    try:
        # A product in several sizes keeps the price, stock and SKU of its variants (a single
        # variant followed the form's values already: shop.catalog.models.MIRRORED).
        catalog_variants.sync(product_ids)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Another product already has this SKU or address.")) from None
    catalog.invalidate_catalog_cache(product_ids=product_ids, categories=categories)


# ---------------------------------------------------------------- changes


def create_product(values: Mapping[str, Any], *, actor: Actor) -> Product:
    """Add a product from checked values (a draft unless a status is given)."""
    return all_or_nothing(lambda: _create(values, actor))


def _create(values: Mapping[str, Any], actor: Actor) -> Product:
    cleaned = clean_values(values)
    _check_unique(cleaned, None)
    product = Product()
    apply_values(product, cleaned)
    db.session.add(product)
    db.session.flush()
    actor.record("product.create", "product", product.id, after=snapshot(product))
    _commit([product.id])
    return product


def update_product(product_id: int, values: Mapping[str, Any], *, actor: Actor) -> Product:
    """Change the given fields of a product (the others stay); the row is locked meanwhile."""
    return all_or_nothing(lambda: _update(product_id, values, actor))


def _update(product_id: int, values: Mapping[str, Any], actor: Actor) -> Product:
    product = db.session.scalar(sa.select(Product).where(Product.id == product_id).with_for_update())
    if product is None:
        raise NotFound(_l("There is no such product."))
    before = snapshot(product)
    cleaned = clean_values(values, before)
    _check_unique(cleaned, product.id)
    apply_values(product, cleaned)
    after = snapshot(product)
    if after != before:
        actor.record("product.update", "product", product.id, before=before, after=after)
    _commit([product.id])
    return product


def delete_products(product_ids: Sequence[int], *, actor: Actor) -> tuple[list[int], list[int]]:
    """Delete products, except those somebody ordered: they are archived instead (order lines
    keep pointing at them). Returns (deleted ids, archived ids)."""
    return all_or_nothing(lambda: _delete(product_ids, actor))


def _delete(product_ids: Sequence[int], actor: Actor) -> tuple[list[int], list[int]]:
    ids = _check_ids(product_ids)
    products = list(
        db.session.scalars(sa.select(Product).where(Product.id.in_(ids)).order_by(Product.id).with_for_update())
    )
    if len(products) != len(ids):
        raise NotFound(_l("There is no such product."))
    ordered = set(db.session.scalars(sa.select(OrderItem.product_id).where(OrderItem.product_id.in_(ids)).distinct()))
    deleted: list[int] = []
    archived: list[int] = []
    files: list[str] = []
    for product in products:
        before = snapshot(product)
        if product.id in ordered:
            product.status = ProductStatus.ARCHIVED
            product.is_featured = False
            actor.record("product.archive", "product", product.id, before=before, after=snapshot(product))
            archived.append(product.id)
        else:
            files.extend(image.image_url for image in product.images)
            actor.record("product.delete", "product", product.id, before=before)
            db.session.delete(product)
            deleted.append(product.id)
    _commit(ids)
    from shop.catalog import images  # the image files go once the rows are gone

    images.remove_files(files)
    return deleted, archived


def _check_ids(product_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in product_ids))
    if not ids:
        raise ShopError(_l("Choose at least one product."), field="ids")
    if len(ids) > MAX_BULK:
        raise ShopError(_l("Choose at most %(count)s products at once.", count=MAX_BULK), field="ids")
    return ids


def bulk_update(
    product_ids: Sequence[int],
    *,
    actor: Actor,
    status: ProductStatus | str | None = None,
    is_featured: bool | None = None,
    price_percent: Decimal | str | None = None,
) -> list[Product]:
    """Change the status, the featured flag and/or the price (by a percentage, -90 to +500,
    rounded half-up to the cent) of many products at once: all of them or none. A price change
    that would not stay below a product's compare-at price is refused, naming the product."""
    return all_or_nothing(lambda: _bulk_update(product_ids, actor, status, is_featured, price_percent))


def _bulk_update(product_ids, actor, status, is_featured, price_percent) -> list[Product]:
    ids = _check_ids(product_ids)
    if status is None and is_featured is None and price_percent is None:
        raise ShopError(_l("Choose what to change."), field="action")
    status = _choice("status", status, ProductStatus) if status is not None else None
    if price_percent is not None:
        try:
            price_percent = Decimal(str(price_percent))
        except InvalidOperation:
            raise ShopError(_l("Enter a percentage from -90 to 500."), field="price_percent") from None
        if not price_percent.is_finite() or not Decimal(-90) <= price_percent <= Decimal(500):
            raise ShopError(_l("Enter a percentage from -90 to 500."), field="price_percent")
    products = list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.id.in_(ids))
            .order_by(Product.id)
            .options(selectinload(Product.categories))
            .with_for_update()
        )
    )
    if len(products) != len(ids):
        raise NotFound(_l("There is no such product."))
    for product in products:
        before = snapshot(product)
        if status is not None:
            product.status = status
            if status == ProductStatus.ACTIVE and product.published_at is None:
                product.published_at = utcnow()
        if is_featured is not None:
            product.is_featured = is_featured
        if price_percent is not None:
            price = to_money(product.price * (Decimal(100) + price_percent) / Decimal(100))
            if price <= 0:
                raise ShopError(_l("%(sku)s would cost nothing.", sku=product.sku), field="price_percent")
            if product.compare_at_price is not None and product.compare_at_price <= price:
                raise ShopError(
                    _l("%(sku)s would no longer cost less than its compare-at price.", sku=product.sku),
                    field="price_percent",
                )
            product.price = price
            _bulk_price_of_variants(product, price_percent)
        actor.record("product.bulk_update", "product", product.id, before=before, after=snapshot(product))
    _commit(ids)
    return products


def _bulk_price_of_variants(product: Product, percent: Decimal) -> None:
    """A bulk price change moves every size of a product in several sizes by the same percentage
    (one size followed the product's new price already); refused like the product's own."""
    found = catalog_variants.variants_of(product.id)
    if len(found) < 2:
        return
    for variant in found:
        price = to_money(variant.price * (Decimal(100) + percent) / Decimal(100))
        if price < Decimal("0.01") or (variant.compare_at_price is not None and variant.compare_at_price < price):
            raise ShopError(
                _l("%(sku)s would no longer cost less than its compare-at price.", sku=variant.sku),
                field="price_percent",
            )
        variant.price = price
