"""Products to and from CSV.

Export writes every product (all statuses). Import updates the products whose SKU it names and
creates the others, checking each row with the same rules as the product form. The whole file
is refused when any row is bad: nothing is written, and every bad row is reported with its line
number and the reason, so the file can be fixed and sent again as a whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.audit.actors import Actor
from shop.catalog import editing
from shop.catalog import services as catalog
from shop.catalog.models import Category, Product
from shop.errors import ShopError
from shop.extensions import db

COLUMNS = (
    "sku", "name_en", "name_kh", "slug", "brand", "size", "status", "price", "compare_at_price", "cost_price",
    "stock", "track_inventory", "allow_backorders", "is_featured", "category", "skin_type", "skin_concerns",
    "ingredients", "short_description", "description_en", "description_kh", "usage_instructions", "meta_title",
    "meta_description", "barcode",
)  # fmt: skip
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


def export_rows() -> Iterator[str]:
    """The CSV, a line at a time (lists are joined with ';', categories by slug, primary first)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    query = sa.select(Product).options(selectinload(Product.categories)).order_by(Product.id)
    for product in db.session.scalars(query.execution_options(yield_per=500)):
        data = editing.snapshot(product)
        slugs = [product.category] + [c.slug for c in product.categories if c.slug != product.category]
        row = {**data, "category": ";".join(slugs)}
        for name in ("skin_concerns", "ingredients"):
            row[name] = ";".join(data[name] or [])
        for name in ("track_inventory", "allow_backorders", "is_featured"):
            row[name] = "yes" if data[name] else "no"
        writer.writerow(["" if row.get(c) is None else row[c] for c in COLUMNS])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    message: str


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


def import_csv(data: bytes, *, actor: Actor) -> ImportResult:
    """Create or update products from a CSV file (UTF-8, the export's columns; `sku`, `name_en`,
    `price` and `category` are required). All rows or none."""
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
    categories = {c.slug: c.id for c in db.session.scalars(sa.select(Category))}
    existing = {p.sku: p for p in db.session.scalars(sa.select(Product).options(selectinload(Product.categories)))}
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    planned: list[tuple[int, Product | None, dict]] = []
    for row in reader:
        line = reader.line_num
        if len(planned) + len(errors) >= MAX_ROWS:
            raise ShopError(_l("Send at most %(count)s rows at a time.", count=MAX_ROWS), field="file")
        values = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
        sku = values.get("sku", "")
        if sku in seen:
            errors.append(RowError(line, "sku", str(_l("The same SKU is on line %(line)s.", line=seen[sku]))))
            continue
        seen[sku] = line
        try:
            values["category_ids"] = _category_ids(values.pop("category", ""), categories)
            product = existing.get(sku)
            current = editing.snapshot(product) if product is not None else None
            cleaned = editing.clean_values(values, current)  # an empty cell empties the field
            planned.append((line, product, cleaned))
        except ShopError as error:
            errors.append(RowError(line, error.field, str(error.message)))
    _check_clashes(planned, existing, errors)
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    return _write(planned, actor)


def _category_ids(text: str, categories: dict[str, int]) -> list[int]:
    slugs = [s.strip() for s in text.split(";") if s.strip()]
    if not slugs:
        raise ShopError(_l("Choose a category."), field="category")
    unknown = [s for s in slugs if s not in categories]
    if unknown:
        raise ShopError(_l("No category has the slug %(slug)s.", slug=unknown[0]), field="category")
    return [categories[s] for s in slugs]


def _check_clashes(planned, existing: dict[str, Product], errors: list[RowError]) -> None:
    slugs = {p.slug: p.sku for p in existing.values()}
    in_file: dict[str, int] = {}
    for line, _product, cleaned in planned:
        owner = slugs.get(cleaned["slug"])
        if (owner is not None and owner != cleaned["sku"]) or cleaned["slug"] in in_file:
            errors.append(RowError(line, "slug", str(_l("Another product already has this address (slug)."))))
        in_file[cleaned["slug"]] = line


def _write(planned, actor: Actor) -> ImportResult:
    created = updated = 0
    try:
        for _line, product, cleaned in planned:
            if product is None:
                product = Product()
                editing.apply_values(product, cleaned)
                db.session.add(product)
                db.session.flush()
                actor.record("product.import_create", "product", product.id, after=editing.snapshot(product))
                created += 1
            else:
                before = editing.snapshot(product)
                editing.apply_values(product, cleaned)
                after = editing.snapshot(product)
                if after != before:
                    actor.record("product.import_update", "product", product.id, before=before, after=after)
                    updated += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    catalog.rebuild_catalog_indexes()
    return ImportResult(created, updated)
