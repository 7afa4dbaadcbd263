"""Products to and from CSV, one line per size or shade.

Export writes every product (all statuses): a product with one unnamed variant is one line, as
before variants; a product in sizes or shades has one line per variant (archived ones too),
the product's columns on the first and only its slug on the others. Import groups the lines by
slug, updates the products it finds (by SKU) and creates the others, and within each product
updates, creates and archives variants by their SKU (shop.catalog.variant_rows). A file without
the variant columns is read one product a line, as before. Each line is checked with the rules
of the product form and the variant editor. The whole file is refused when any line is bad:
nothing is written, and every bad line is reported with its number and the reason, so the file
can be fixed and sent again as a whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.audit.actors import Actor
from shop.catalog import alerts, editing, variant_editing, variant_rows
from shop.catalog import services as catalog
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Category, Product, ProductVariant
from shop.catalog.variant_rows import Line, RowError
from shop.errors import Conflict, ShopError
from shop.extensions import db

COLUMNS = (
    "sku", "name_en", "name_kh", "slug", "brand", "size", "status", "price", "compare_at_price", "cost_price",
    "stock", "track_inventory", "allow_backorders", "is_featured", "category", "skin_type", "skin_concerns",
    "ingredients", "short_description", "description_en", "description_kh", "usage_instructions", "meta_title",
    "meta_description", "barcode",
)  # fmt: skip
VARIANT_COLUMNS = variant_rows.COLUMNS
HEADER = (*COLUMNS, *VARIANT_COLUMNS)
# What a product in sizes takes from its variants (shop.catalog.variants.sync): on its lines
# these product cells are for reading, and the import leaves them to the variants.
FROM_VARIANTS = ("sku", "barcode", "price", "compare_at_price", "cost_price", "stock", "track_inventory",
                 "allow_backorders")  # fmt: skip
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
CHUNK = 500

__all__ = ["COLUMNS", "HEADER", "ImportRefused", "ImportResult", "RowError", "export_rows", "import_csv"]


# ---------------------------------------------------------------- export


def export_rows() -> Iterator[str]:
    """The CSV, a product at a time (lists are joined with ';', categories by slug, primary
    first; yes/no for flags)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    query = sa.select(Product).options(selectinload(Product.categories)).order_by(Product.id)
    for batch in db.session.scalars(query.execution_options(yield_per=CHUNK)).partitions():
        found = _all_variants([p.id for p in batch])
        for product in batch:
            writer.writerows(_lines_of(product, found.get(product.id, [])))
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _all_variants(product_ids: list[int]) -> dict[int, list[ProductVariant]]:
    query = (
        sa.select(ProductVariant)
        .where(ProductVariant.product_id.in_(product_ids))
        .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
    )
    found: dict[int, list[ProductVariant]] = {}
    for variant in db.session.scalars(query):
        found.setdefault(variant.product_id, []).append(variant)
    return found


def _yes(value: object) -> str:
    return "yes" if value else "no"


def _lines_of(product: Product, variants: list[ProductVariant]) -> list[list[str]]:
    data = editing.snapshot(product)
    slugs = [product.category] + [c.slug for c in product.categories if c.slug != product.category]
    cells = {**data, "category": ";".join(s for s in slugs if s)}
    for name in ("skin_concerns", "ingredients"):
        cells[name] = ";".join(data[name] or [])
    for name in ("track_inventory", "allow_backorders", "is_featured"):
        cells[name] = _yes(data[name])
    product_cells = ["" if cells.get(c) is None else str(cells[c]) for c in COLUMNS]
    if len(variants) <= 1 and (not variants or variants[0].option_value_en is None):
        return [product_cells + [""] * len(VARIANT_COLUMNS)]  # one unnamed variant: the line of before
    lines = []
    for index, variant in enumerate(variants):
        first = product_cells if index == 0 else ["" if c != "slug" else product.slug for c in COLUMNS]
        lines.append(first + _variant_cells(variant))
    return lines


def _variant_cells(variant: ProductVariant) -> list[str]:
    data = variant_editing.snapshot(variant)
    cells = {column: data[name] for column, name in variant_rows.FIELD_OF.items()}
    for column in ("variant_track_stock", "variant_allow_backorder"):
        cells[column] = _yes(cells[column])
    cells.update(
        variant_default=_yes(data["is_default"]),
        variant_position=data["position"],
        variant_archived=_yes(data["archived"]),
    )
    return ["" if cells.get(c) is None else str(cells[c]) for c in VARIANT_COLUMNS]


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


class ImportRefused(ShopError):
    """The file had bad rows; `errors` lists them. Nothing was written."""

    status = 422
    code = "import_refused"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_l("The file was not imported: correct the rows listed and send it again."), field="file")
        self.errors = errors


@dataclass
class _Known:
    """What the database holds of the SKUs the file names, the products locked for the import."""

    product_of_sku: dict[str, int] = field(default_factory=dict)  # products.sku -> id
    sku_owners: dict[str, int] = field(default_factory=dict)  # any taken SKU (product's or variant's) -> product id
    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, list[ProductVariant]] = field(default_factory=dict)  # archived too, by position


@dataclass
class _ProductPlan:
    line: int
    product: Product | None  # None: a new product
    cleaned: dict
    variants: variant_rows.Plan | None  # None: the product's columns only (its one variant follows them)
    existing: list[ProductVariant]


def import_csv(data: bytes, *, actor: Actor) -> ImportResult:
    """Create or update products and their variants from a CSV file (UTF-8, the export's
    columns; `sku` and `name_en` are required, and `price` and `category` for a product).
    All lines or none. The products named are locked while the file is checked and written,
    so a checkout meanwhile waits rather than being overwritten."""
    lines, with_variants = _read(data)
    errors: list[RowError] = []
    groups = _group(lines, errors) if with_variants else [[line] for line in lines]
    known = _load(lines)
    categories = {c.slug: c.id for c in db.session.scalars(sa.select(Category))}
    plans = [plan for group in groups if (plan := _plan(group, known, categories, errors)) is not None]
    _check_clashes(plans, errors)
    if errors:
        db.session.rollback()  # the locks go
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    return _write(plans, actor)


def _read(data: bytes) -> tuple[list[Line], bool]:
    if len(data) > MAX_BYTES:
        raise ShopError(_l("The file is larger than %(size)s MB.", size=MAX_BYTES // 1024 // 1024), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ShopError(_l("Save the file as CSV in UTF-8."), field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if "sku" not in header or "name_en" not in header:
        raise ShopError(_l("The first line must name the columns, with at least sku and name_en."), field="file")
    reader.fieldnames = header
    lines: list[Line] = []
    for row in reader:
        if len(lines) >= MAX_ROWS:
            raise ShopError(_l("Send at most %(count)s rows at a time.", count=MAX_ROWS), field="file")
        lines.append(Line(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k in HEADER}))
    return lines, any(column in header for column in VARIANT_COLUMNS)


def _group(lines: list[Line], errors: list[RowError]) -> list[list[Line]]:
    """A product's lines, by slug (or the slug its name gives, as the product form does). A
    line with no product cell at all continues the product above it."""
    groups: dict[str, list[Line]] = {}
    previous: str | None = None
    for line in lines:
        cells = line.values
        if not any(cells.get(c) for c in COLUMNS):
            if previous is None:
                errors.append(RowError(line.number, "slug", str(_l("Give the product's slug on this line."))))
                continue
            key = previous
        else:
            given = (
                cells.get("slug") or editing.slugify(cells.get("name_en", "")) or editing.slugify(cells.get("sku", ""))
            )
            key = given.lower() or f"#{line.number}"
        groups.setdefault(key, []).append(line)
        previous = key
    return list(groups.values())


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _load(lines: list[Line]) -> _Known:
    known = _Known()
    skus = [s for line in lines for s in (line.values.get("sku"), line.values.get("variant_sku")) if s]
    for chunk in _chunks(skus):
        for product_id, sku in db.session.execute(sa.select(Product.id, Product.sku).where(Product.sku.in_(chunk))):
            known.product_of_sku[sku] = product_id
            known.sku_owners[sku] = product_id
        for product_id, sku in db.session.execute(
            sa.select(ProductVariant.product_id, ProductVariant.sku).where(ProductVariant.sku.in_(chunk))
        ):
            known.sku_owners[sku] = product_id
    ids = sorted(set(known.sku_owners.values()))
    for start in range(0, len(ids), CHUNK):
        chunk_ids = ids[start : start + CHUNK]
        # The product rows first, then their variants, in id order: checkout's lock order.
        for product in db.session.scalars(
            sa.select(Product)
            .where(Product.id.in_(chunk_ids))
            .order_by(Product.id)
            .options(selectinload(Product.categories))
            .with_for_update(of=Product)
            .execution_options(populate_existing=True)
        ):
            known.products[product.id] = product
    for start in range(0, len(ids), CHUNK):
        for variant in db.session.scalars(
            sa.select(ProductVariant)
            .where(ProductVariant.product_id.in_(ids[start : start + CHUNK]))
            .order_by(ProductVariant.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ):
            known.variants.setdefault(variant.product_id, []).append(variant)
    for found in known.variants.values():
        found.sort(key=lambda v: (v.position, v.id))
    return known


def _plan(group: list[Line], known: _Known, categories: dict[str, int], errors: list[RowError]) -> _ProductPlan | None:
    first = group[0]
    for line in group[1:]:
        for column in COLUMNS:
            value = line.values.get(column, "")
            given = first.values.get(column, "")
            if value and (value.lower() != given.lower() if column == "slug" else value != given):
                message = _l(
                    "Not the same as on line %(line)s: a product's columns are the same on each of its lines, "
                    "or blank after the first.",
                    line=first.number,
                )
                errors.append(RowError(line.number, column, str(message)))
    with_variants = any(line.has_variant for line in group)
    sku = first.values.get("sku", "")
    # A product in sizes has its default's SKU: a file that made another size the default names
    # it by a SKU that is now a variant's; a first line without a SKU names it by its sizes'.
    product_id = known.product_of_sku.get(sku)
    if product_id is None and with_variants and sku:
        product_id = known.sku_owners.get(sku)
    elif product_id is None and with_variants:
        owners = {
            known.sku_owners[s] for line in group if (s := line.values.get("variant_sku", "")) in known.sku_owners
        }
        product_id = owners.pop() if len(owners) == 1 else None
    if product_id is None and not with_variants and sku in known.sku_owners:
        errors.append(RowError(first.number, "sku", str(_l("Another product or variant already has this SKU."))))
        return None
    product = known.products.get(product_id) if product_id is not None else None
    existing = known.variants.get(product_id, []) if product_id is not None else []
    plan = variant_rows.plan(group, existing, known.sku_owners, product_id, errors) if with_variants else None
    values: dict[str, Any] = {k: v for k, v in first.values.items() if k in COLUMNS}
    current = editing.snapshot(product) if product is not None else None
    try:
        if "category" in values or product is None:  # a file without the column keeps them
            values["category_ids"] = _category_ids(values.pop("category", ""), categories)
        if plan is not None:
            values.update(_from_variants(plan, current))
        cleaned = editing.clean_values(values, current)  # an empty cell empties the field
        several = len([v for v in existing if v.archived_at is None]) > 1
        if product is not None and plan is None and several:
            changed = _changes_from_variants(cleaned, product)
            if changed is not None:
                message = _l(
                    "%(sku)s is sold in several sizes or shades: set their prices and stock on lines of their "
                    "own (the variant columns).",
                    sku=product.sku,
                )
                raise ShopError(message, field=changed)
    except ShopError as error:
        errors.append(RowError(first.number, error.field, str(error.message)))
        return None
    if product is not None and (plan is not None or several):
        for name in FROM_VARIANTS:
            cleaned.pop(name)  # the variants say these (variants.sync)
    return _ProductPlan(first.number, product, cleaned, plan, existing)


def _from_variants(plan: variant_rows.Plan, current: dict | None) -> dict:
    """The product values its variants decide, to check the product's other cells with: the
    product's own when it exists, its default line's for a new one (its first variant is made
    from them)."""
    if current is not None:
        return {name: current[name] for name in FROM_VARIANTS} | {"compare_at_price": ""}
    default = next((p.cleaned for p in plan.lines if p.sku == plan.default_sku), None)
    if default is None:  # the lines were refused: their errors are listed already
        return {"price": "1.00", "compare_at_price": "", "stock": "0"}
    return {
        "sku": default["sku"],
        "barcode": default["barcode"] or "",
        "price": default["price"],
        "compare_at_price": "",
        "cost_price": default["cost_price"] or "",
        "stock": default["stock"],
        "track_inventory": default["track_stock"],
        "allow_backorders": default["allow_backorder"],
    }


def _changes_from_variants(cleaned: dict, product: Product) -> str | None:
    """The first product cell its variants decide that the line changes, if any."""
    for name in FROM_VARIANTS:
        if cleaned[name] != getattr(product, name):
            return name
    return None


def _category_ids(text: str, categories: dict[str, int]) -> list[int]:
    slugs = [s.strip() for s in text.split(";") if s.strip()]
    if not slugs:
        raise ShopError(_l("Choose a category."), field="category")
    unknown = [s for s in slugs if s not in categories]
    if unknown:
        raise ShopError(_l("No category has the slug %(slug)s.", slug=unknown[0]), field="category")
    return [categories[s] for s in slugs]


def _same_sku(line: int) -> str:
    return str(_l("The same SKU is on line %(line)s.", line=line))


def _check_clashes(plans: list[_ProductPlan], errors: list[RowError]) -> None:
    """SKUs and slugs the file gives twice, or that another product has."""
    seen_products: dict[int, int] = {}
    seen_skus: dict[str, int] = {}
    for plan in plans:
        if plan.product is not None:
            if plan.product.id in seen_products:
                errors.append(RowError(plan.line, "sku", _same_sku(seen_products[plan.product.id])))
            seen_products.setdefault(plan.product.id, plan.line)
        own_sku = plan.cleaned.get("sku") or (plan.product.sku if plan.product is not None else "")
        skus = [(plan.line, "sku", own_sku)] if plan.variants is None else []
        skus += [(p.line, "variant_sku", p.sku) for p in plan.variants.lines] if plan.variants else []
        for line, column, sku in skus:
            if sku in seen_skus and not (plan.product is not None and column == "sku"):
                errors.append(RowError(line, column, _same_sku(seen_skus[sku])))
            seen_skus.setdefault(sku, line)
    owners: dict[str, int] = {}
    wanted = [plan.cleaned["slug"] for plan in plans]
    for chunk in _chunks(wanted):
        owners.update(
            dict(db.session.execute(sa.select(Product.slug, Product.id).where(Product.slug.in_(chunk))).tuples().all())
        )
    in_file: dict[str, int] = {}
    for plan in plans:
        slug = plan.cleaned["slug"]
        owner = owners.get(slug)
        mine = plan.product.id if plan.product is not None else None
        if (owner is not None and owner != mine) or slug in in_file:
            errors.append(RowError(plan.line, "slug", str(_l("Another product already has this address (slug)."))))
        in_file.setdefault(slug, plan.line)


def _write(plans: list[_ProductPlan], actor: Actor) -> ImportResult:
    created = updated = 0
    restocked: list[int] = []
    touched: list[int] = []
    try:
        for plan in plans:
            product = plan.product
            changed = False
            if product is None:
                product = Product()
                editing.apply_values(product, plan.cleaned)
                db.session.add(product)
                db.session.flush()
                actor.record("product.import_create", "product", product.id, after=editing.snapshot(product))
                created += 1
            else:
                before = editing.snapshot(product)
                editing.apply_values(product, plan.cleaned)
                after = editing.snapshot(product)
                if after != before:
                    actor.record("product.import_update", "product", product.id, before=before, after=after)
                    changed = True
                restocked += _restocked_by_product_line(plan)
            if plan.variants is not None:
                variants_changed, back = variant_rows.write(
                    product, plan.variants, plan.existing, actor=actor, new_product=plan.product is None
                )
                changed = changed or variants_changed
                restocked += back
            updated += changed
            touched.append(product.id)
        catalog_variants.sync(touched)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise Conflict(_l("Another product already has this SKU or address.")) from None
    except Exception:
        db.session.rollback()
        raise
    if restocked:
        alerts.restocked(restocked)
    catalog.rebuild_catalog_indexes()
    return ImportResult(created, updated)


def _restocked_by_product_line(plan: _ProductPlan) -> list[int]:
    """A one-variant product's line sets its variant's stock (shop.catalog.models.MIRRORED):
    that variant, when it comes back from none."""
    if plan.variants is not None or "stock" not in plan.cleaned:
        return []
    on_sale = [v for v in plan.existing if v.archived_at is None]
    if len(on_sale) != 1 or not plan.cleaned["track_inventory"]:
        return []
    variant = on_sale[0]
    return [variant.id] if variant.stock <= 0 < plan.cleaned["stock"] else []
