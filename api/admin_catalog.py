"""Staff JSON for products and categories: /api/v1/admin/products*, /api/v1/admin/categories*.

Admins only (admin_token_required). The rules are shop.catalog.editing, .images and
.category_editing, the same the admin pages call.
"""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import staff_schemas as out
from api.admin_access import admin_token_required
from api.admin_support import MoneyField, actor, money
from api.pagination import PaginationQuery, paginated_page
from api.schemas import EmptyEnvelope, envelope, schema
from api.validation import Id, Range
from shop.catalog import alerts, editing, images, variant_bulk, variant_editing
from shop.catalog import category_editing as categories
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Category, Product, ProductStatus, ProductVariant, SkinType
from shop.catalog.vocab import SKIN_CONCERNS
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.infra.request_limits import accepts_upload
from web.envelope import error_response, success_response

products_bp = Blueprint("admin_products", __name__, url_prefix="/api/v1/admin/products", description="Staff: products")
categories_bp = Blueprint(
    "admin_categories", __name__, url_prefix="/api/v1/admin/categories", description="Staff: categories"
)

STATUSES = [s.value for s in ProductStatus]
IDS = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))


def product_data(product: Product, *, detail: bool = True) -> dict:
    data = {"id": product.id, **editing.snapshot(product), "image_url": product.image_url}
    data["created_at"] = product.created_at.isoformat() if product.created_at else None
    data["updated_at"] = product.updated_at.isoformat() if product.updated_at else None
    data["url"] = url_for("storefront.product_detail", slug=product.slug)
    if detail:
        data["images"] = [
            {
                "id": i.id,
                "url": i.image_url,
                "thumbnail_url": images.thumbnail_url(i.image_url),
                "alt_text": i.alt_text,
                "is_primary": i.is_primary,
                "sort_order": i.sort_order,
            }
            for i in product.images
        ]
    return data


# ---------------------------------------------------------------- products


class AdminProductQuery(PaginationQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    category = Id(load_default=None)
    stock = fields.String(load_default=None, validate=validate.OneOf(["out", "low", "in"]))
    featured = fields.Boolean(load_default=None)


class ProductIn(Schema):
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=255))
    name_kh = fields.String(allow_none=True, validate=validate.Length(max=255))
    slug = fields.String(allow_none=True, validate=validate.Length(max=255))
    sku = fields.String(required=True, validate=validate.Length(min=1, max=100))
    barcode = fields.String(allow_none=True, validate=validate.Length(max=100))
    brand = fields.String(allow_none=True, validate=validate.Length(max=100))
    size = fields.String(allow_none=True, validate=validate.Length(max=50))
    short_description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    description_en = fields.String(allow_none=True, validate=validate.Length(max=20000))
    description_kh = fields.String(allow_none=True, validate=validate.Length(max=20000))
    usage_instructions = fields.String(allow_none=True, validate=validate.Length(max=5000))
    meta_title = fields.String(allow_none=True, validate=validate.Length(max=255))
    meta_description = fields.String(allow_none=True, validate=validate.Length(max=1000))
    price = MoneyField(required=True)
    compare_at_price = MoneyField(allow_none=True)
    cost_price = MoneyField(allow_none=True)
    stock = fields.Integer(validate=Range(min=0, max=editing.MAX_STOCK))
    track_inventory = fields.Boolean()
    allow_backorders = fields.Boolean()
    is_featured = fields.Boolean()
    skin_type = fields.String(validate=validate.OneOf([s.value for s in SkinType]))
    skin_concerns = fields.List(fields.String(validate=validate.OneOf(SKIN_CONCERNS)), allow_none=True)
    ingredients = fields.List(fields.String(validate=validate.Length(max=200)), allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    category_ids = fields.List(Id(), required=True, validate=validate.Length(min=1))


class ProductUpdateIn(ProductIn):
    """The fields to change (any of ProductIn's)."""


class ProductBulkUpdateIn(Schema):
    ids = IDS
    status = fields.String(validate=validate.OneOf(STATUSES))
    is_featured = fields.Boolean()
    # The bounds are the service's (editing.bulk_update), said once there.
    price_percent = fields.Decimal(places=2)


class ProductBulkDeleteIn(Schema):
    ids = IDS


@products_bp.get("")
@products_bp.response(200, out.StaffProductPageEnvelope)
@admin_token_required
@products_bp.arguments(AdminProductQuery, location="query")
def list_products(query):
    """Every product (drafts and archived too), newest first, with filters."""
    category = db.session.get(Category, query["category"]) if query["category"] else None
    if query["category"] and category is None:
        raise ShopError(_("Choose a category that exists."), field="category")
    page = editing.list_products(
        query=query["search"] or "",
        status=ProductStatus(query["status"]) if query["status"] else None,
        category=category,
        stock=query["stock"],
        featured=query["featured"],
        page=query["page"],
        per_page=query["limit"],
    )
    return success_response(paginated_page(page, lambda p: product_data(p, detail=False)))


@products_bp.post("")
@products_bp.response(201, out.StaffProductEnvelope)
@admin_token_required
@products_bp.arguments(ProductIn)
def create_product(data):
    """Add a product (a draft unless `status` says otherwise)."""
    product = editing.create_product(data, actor=actor())
    return success_response(product_data(editing.get_product(product.id)), _("Product saved."), 201)


@products_bp.get("/<int:product_id>")
@products_bp.response(200, out.StaffProductEnvelope)
@admin_token_required
def get_product(product_id: int):
    """One product with its photos."""
    return success_response(product_data(editing.get_product(product_id)))


@products_bp.put("/<int:product_id>")
@products_bp.response(200, out.StaffProductEnvelope)
@admin_token_required
@products_bp.arguments(ProductUpdateIn(partial=True))
def update_product(data, product_id: int):
    """Change the fields sent; the others stay as they are."""
    editing.update_product(product_id, data, actor=actor())
    return success_response(product_data(editing.get_product(product_id)), _("Product saved."))


@products_bp.delete("/<int:product_id>")
@products_bp.response(200, out.DeletedEnvelope)
@admin_token_required
def delete_product(product_id: int):
    """Delete a product; one that was ever ordered is archived instead."""
    deleted, archived = editing.delete_products([product_id], actor=actor())
    message = _("Product deleted.") if deleted else _("The product was ordered before, so it was archived.")
    return success_response({"deleted": deleted, "archived": archived}, message)


@products_bp.post("/bulk-update")
@products_bp.response(200, out.ProductChangesEnvelope)
@admin_token_required
@products_bp.arguments(ProductBulkUpdateIn)
def bulk_update(data):
    """Set the status and/or featured flag, or change prices by a percentage; all or none."""
    changed = editing.bulk_update(
        data["ids"],
        actor=actor(),
        status=data.get("status"),
        is_featured=data.get("is_featured"),
        price_percent=data.get("price_percent"),
    )
    return success_response(
        [
            {"id": p.id, "status": p.status.value, "is_featured": p.is_featured, "price": money(p.price)}
            for p in changed
        ],
        _("Products updated."),
    )


@products_bp.post("/bulk-delete")
@products_bp.response(200, out.DeletedEnvelope)
@admin_token_required
@products_bp.arguments(ProductBulkDeleteIn)
def bulk_delete(data):
    """Delete products; those ordered before are archived instead."""
    deleted, archived = editing.delete_products(data["ids"], actor=actor())
    return success_response({"deleted": deleted, "archived": archived}, _("Products deleted or archived."))


@products_bp.post("/<int:product_id>/images")
@products_bp.response(201, out.UploadedImageEnvelope)
@accepts_upload()
@admin_token_required
def add_image(product_id: int):
    """Upload a photo (multipart field `image`; JPEG, PNG or WebP, at most MAX_FILE_SIZE)."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        raise ShopError(_("Choose an image file."), field="image")
    alt_text = (request.form.get("alt_text") or "").strip() or None
    entry = images.add_image(product_id, images.read_upload(upload.stream), actor=actor(), alt_text=alt_text)
    return success_response(
        {"id": entry.id, "url": entry.image_url, "thumbnail_url": images.thumbnail_url(entry.image_url)},
        _("Photo added."),
        201,
    )


@products_bp.delete("/<int:product_id>/images/<int:image_id>")
@products_bp.response(200, EmptyEnvelope)
@admin_token_required
def delete_image(product_id: int, image_id: int):
    """Remove a photo."""
    images.delete_image(product_id, image_id, actor=actor())
    return success_response(None, _("Photo removed."))


# ---------------------------------------------------------------- categories


class CategoryIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name_kh = fields.String(allow_none=True, validate=validate.Length(max=100))
    slug = fields.String(allow_none=True, validate=validate.Length(max=50))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    description_kh = fields.String(allow_none=True, validate=validate.Length(max=5000))
    parent_id = Id(allow_none=True)
    is_active = fields.Boolean()


class CategoryUpdateIn(CategoryIn):
    """The fields to change (any of CategoryIn's)."""


class CategoryReorderIn(Schema):
    ids = IDS


def category_data(category: Category, **extra) -> dict:
    return {"id": category.id, **categories.snapshot(category), **extra}


@categories_bp.get("")
@categories_bp.response(200, out.StaffCategoryListEnvelope)
@admin_token_required
def list_categories():
    """The whole tree, depth first, with each category's depth and product count."""
    return success_response(
        [category_data(n.category, depth=n.depth, products=n.products, children=n.children) for n in categories.tree()]
    )


@categories_bp.post("")
@categories_bp.response(201, out.StaffCategoryEnvelope)
@admin_token_required
@categories_bp.arguments(CategoryIn)
def create_category(data):
    """Add a category (last among its siblings)."""
    category = categories.create_category(data, actor=actor())
    return success_response(category_data(category), _("Category saved."), 201)


@categories_bp.get("/<int:category_id>")
@categories_bp.response(200, out.StaffCategoryEnvelope)
@admin_token_required
def get_category(category_id: int):
    """One category."""
    return success_response(category_data(categories.get_category(category_id)))


@categories_bp.put("/<int:category_id>")
@categories_bp.response(200, out.StaffCategoryEnvelope)
@admin_token_required
@categories_bp.arguments(CategoryUpdateIn(partial=True))
def update_category(data, category_id: int):
    """Change the fields sent."""
    category = categories.update_category(category_id, data, actor=actor())
    return success_response(category_data(category), _("Category saved."))


@categories_bp.delete("/<int:category_id>")
@categories_bp.response(200, EmptyEnvelope)
@admin_token_required
def delete_category(category_id: int):
    """Delete a category without subcategories or products (409 with the reason otherwise)."""
    categories.delete_category(category_id, actor=actor())
    return success_response(None, _("Category deleted."))


@categories_bp.post("/reorder")
@categories_bp.response(200, out.StaffCategoryListEnvelope)
@admin_token_required
@categories_bp.arguments(CategoryReorderIn)
def reorder(data):
    """Put all the children of one parent in the order of `ids`."""
    ordered = categories.reorder(data["ids"], actor=actor())
    return success_response([category_data(c) for c in ordered], _("Order saved."))


# ---------------------------------------------------------------- variants


class VariantIn(Schema):
    option_name = fields.String(allow_none=True, validate=validate.OneOf(["size", "shade"]))
    option_value_en = fields.String(allow_none=True, validate=validate.Length(max=100))
    option_value_kh = fields.String(allow_none=True, validate=validate.Length(max=100))
    sku = fields.String(required=True, validate=validate.Length(min=1, max=100))
    barcode = fields.String(allow_none=True, validate=validate.Length(max=100))
    price = MoneyField(required=True)
    compare_at_price = MoneyField(allow_none=True)
    cost_price = MoneyField(allow_none=True)
    stock = fields.Integer(metadata={"description": "Not negative"})
    track_stock = fields.Boolean()
    allow_backorder = fields.Boolean()
    weight = fields.Decimal(allow_none=True, as_string=True, metadata={"description": "grams"})
    image_url = fields.String(allow_none=True, validate=validate.Length(max=500))


class VariantUpdateIn(VariantIn):
    """The fields to change (any of VariantIn's), and `is_default` to make it the default."""

    is_default = fields.Boolean()


class VariantOrderIn(Schema):
    ids = IDS


StaffVariant = schema(
    "StaffVariant",
    id=fields.Integer(required=True),
    product_id=fields.Integer(required=True),
    option_name=fields.String(allow_none=True, metadata={"enum": ["size", "shade", None]}),
    option_value_en=fields.String(allow_none=True),
    option_value_kh=fields.String(allow_none=True),
    sku=fields.String(required=True),
    barcode=fields.String(allow_none=True),
    image_url=fields.String(allow_none=True),
    price=fields.String(required=True, metadata={"description": "Decimal as a string, e.g. 18.00"}),
    compare_at_price=fields.String(allow_none=True),
    cost_price=fields.String(allow_none=True),
    weight=fields.String(allow_none=True, metadata={"description": "grams"}),
    stock=fields.Integer(required=True),
    track_stock=fields.Boolean(required=True),
    allow_backorder=fields.Boolean(required=True),
    is_default=fields.Boolean(required=True),
    position=fields.Integer(required=True),
    archived=fields.Boolean(required=True),
    waiting_for_stock=fields.Integer(required=True, metadata={"description": "shoppers waiting for it"}),
)
StaffVariantEnvelope = envelope("StaffVariantEnvelope", StaffVariant)
StaffVariantListEnvelope = envelope("StaffVariantListEnvelope", StaffVariant, many=True)


def variant_data(variant) -> dict:
    data = variant_editing.snapshot(variant)
    data["waiting_for_stock"] = alerts.waiting_counts([variant.id]).get(variant.id, 0)
    return data


def _variant_of(product_id: int, variant_id: int):
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product_id:
        raise NotFound(_("There is no such size or shade."))
    return variant


@products_bp.get("/<int:product_id>/variants")
@products_bp.response(200, StaffVariantListEnvelope)
@admin_token_required
def list_variants(product_id: int):
    """A product's sizes or shades (archived ones too), each with how many shoppers wait for it."""
    editing.get_product(product_id)
    return success_response([variant_data(v) for v in catalog_variants.variants_of(product_id, include_archived=True)])


@products_bp.post("/<int:product_id>/variants")
@products_bp.response(201, StaffVariantEnvelope)
@admin_token_required
@products_bp.arguments(VariantIn)
def add_variant(data, product_id: int):
    """Add a size or shade (its option value is required and unique within the product)."""
    variant = variant_editing.add_variant(product_id, data, actor=actor())
    return success_response(variant_data(variant), _("Size or shade added."), 201)


@products_bp.put("/<int:product_id>/variants/<int:variant_id>")
@products_bp.response(200, StaffVariantEnvelope)
@admin_token_required
@products_bp.arguments(VariantUpdateIn(partial=True))
def update_variant(data, product_id: int, variant_id: int):
    """Change the fields sent; stock back from none emails the shoppers waiting for it."""
    _variant_of(product_id, variant_id)
    variant = variant_editing.update_variant(variant_id, data, actor=actor())
    return success_response(variant_data(variant), _("Size or shade saved."))


@products_bp.post("/<int:product_id>/variants/<int:variant_id>/archive")
@products_bp.response(200, StaffVariantEnvelope)
@admin_token_required
def archive_variant(product_id: int, variant_id: int):
    """Stop selling a size or shade (the product's last one on sale is refused)."""
    _variant_of(product_id, variant_id)
    variant = variant_editing.archive_variant(variant_id, actor=actor())
    return success_response(variant_data(variant), _("Size or shade archived: it is no longer sold."))


@products_bp.delete("/<int:product_id>/variants/<int:variant_id>")
@products_bp.response(200, EmptyEnvelope)
@admin_token_required
def delete_variant(product_id: int, variant_id: int):
    """Delete a size or shade nobody ordered (an ordered one is refused: archive it)."""
    _variant_of(product_id, variant_id)
    variant_editing.delete_variant(variant_id, actor=actor())
    return success_response(None, _("Size or shade deleted."))


@products_bp.put("/<int:product_id>/variants/order")
@products_bp.response(200, StaffVariantListEnvelope)
@admin_token_required
@products_bp.arguments(VariantOrderIn)
def reorder_variants(data, product_id: int):
    """Put the sizes or shades in this order (every one of the product's, once)."""
    found = variant_editing.reorder_variants(product_id, data["ids"], actor=actor())
    return success_response([variant_data(v) for v in found], _("Order saved."))


class VariantChangeIn(Schema):
    id = Id(required=True, metadata={"description": "The variant's id"})
    stock = fields.Integer(metadata={"description": "The new stock (from 0); left out: unchanged"})
    price = MoneyField(metadata={"description": "The new price (at least 0.01); left out: unchanged"})
    compare_at_price = MoneyField(
        allow_none=True, metadata={"description": "Not below the price; null removes it; left out: unchanged"}
    )
    expected_stock = fields.Integer(
        metadata={
            "description": "The stock this change was made against (what the client showed): when a sale "
            "changed it meanwhile, the change is refused (400) instead of counting over the sale"
        }
    )


class VariantBulkUpdateIn(Schema):
    items = fields.List(
        fields.Nested(VariantChangeIn), required=True, validate=validate.Length(min=1, max=variant_bulk.MAX_VARIANTS)
    )


@products_bp.post("/variants/bulk-update")
@products_bp.response(200, StaffVariantListEnvelope)
@admin_token_required
@products_bp.arguments(VariantBulkUpdateIn)
def bulk_update_variants(data):
    """Set the stock and prices of many sizes and shades (of any products) at once: all or none.
    A refusal is a 400 whose `error.details.items` names each refused item by its index, such as
    `{"items": {"2": {"stock": ["Stock cannot be negative."]}}}`. Stock back from none emails the
    shoppers waiting for it."""
    changes = [
        variant_bulk.Change(
            item["id"],
            {name: item[name] for name in variant_bulk.FIELDS if name in item},
            expected_stock=item.get("expected_stock"),
        )
        for item in data["items"]
    ]
    try:
        saved = variant_bulk.update_many(changes, actor=actor())
    except variant_bulk.ChangesRefused as refused:
        details: dict[str, dict[str, list[str]]] = {}
        for problem in refused.problems:
            details.setdefault(str(problem.index), {}).setdefault(problem.field or "id", []).append(problem.message)
        return error_response(str(refused.message), refused.status, details={"items": details})
    waiting = alerts.waiting_counts(v.id for v in saved)
    listed = [{**variant_editing.snapshot(v), "waiting_for_stock": waiting.get(v.id, 0)} for v in saved]
    return success_response(listed, _("Sizes and shades saved."))
