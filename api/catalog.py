"""Products and categories over JSON (the seed's endpoints), public and cached in Redis.

GET /api/v1/products, /products/search, /products/featured, /products/by-skin-type/<skin_type>,
/products/<id>, /products/<id>/reviews, /products/<id>/related, /categories,
/categories/<slug>/products.

Cached payloads hold both languages (name_en and name_kh, ...); the localized fields (`name`,
`description`, labels) follow `?lang=` or Accept-Language and are added when answering, so one
cache entry serves both languages under the seed's keys. The riel figures (`price_khr`,
`compare_at_price_khr`) are added when answering too, so a new KHR_PER_USD shows at once.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import current_app, request, url_for
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from api.fields import Money, money
from api.pagination import MAX_LIMIT, PageNumber, PaginationQuery, paginated_page
from api.schemas import envelope, page_envelope
from api.validation import Range
from shop.catalog import services as catalog
from shop.catalog import variants as catalog_variants
from shop.catalog.models import Category, Product, ProductVariant, SkinType
from shop.catalog.search import MAX_QUERY_LENGTH
from shop.catalog.services import ProductFilters, SortKey
from shop.catalog.vocab import SKIN_CONCERNS, concern_label, skin_type_label
from shop.extensions import cache
from shop.i18n import localized, riel_amount
from shop.reviews import services as review_rules
from web.envelope import success_response
from web.messages import translatable as _m

bp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Products and categories (public)")

SORTS = ["relevance", "newest", "price", "rating", "best_selling"]
SKIN_TYPES = [t.value for t in SkinType]
CACHEABLE_ARGS = {"page", "limit", "category", "lang"}


# ---------------------------------------------------------------- query schemas


class ProductListQuery(PaginationQuery):
    """The seed's PaginationRequest plus the listing filters. `order` applies to `sort=price`
    (ascending unless `order=desc`); the other sorts have one direction."""

    sort = fields.String(load_default=None, validate=validate.OneOf(SORTS))
    order = fields.String(load_default=None, validate=validate.OneOf(["asc", "desc"], error=_m("Must be asc or desc.")))
    skin_type = fields.String(load_default=None, validate=validate.OneOf(SKIN_TYPES))
    concern = fields.List(fields.String(validate=validate.OneOf(SKIN_CONCERNS)), load_default=list)
    min_price = fields.Decimal(load_default=None, places=2, validate=Range(min=0, max=100000))
    max_price = fields.Decimal(load_default=None, places=2, validate=Range(min=0, max=100000))
    in_stock = fields.Boolean(load_default=False)
    on_sale = fields.Boolean(load_default=False)


class SearchQuery(ProductListQuery):
    q = fields.String(required=True, validate=validate.Length(min=1, max=MAX_QUERY_LENGTH))


class LimitQuery(Schema):
    limit = fields.Integer(load_default=8, validate=Range(min=1, max=MAX_LIMIT))


class PageQuery(Schema):
    page = PageNumber()
    limit = fields.Integer(load_default=20, validate=Range(min=1, max=MAX_LIMIT))


class ReviewPageQuery(PageQuery):
    """`?sort=newest|helpful`: newest first (the default) or the most helpful first."""

    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(catalog.REVIEW_SORTS, error=_m("Sort the reviews by newest or most helpful.")),
    )


# ---------------------------------------------------------------- response schemas (OpenAPI)


class ProductSummarySchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    sku = fields.String()
    url = fields.String(metadata={"description": "The product page"})
    name = fields.String(metadata={"description": "In the request's language (Khmer falls back to English)"})
    name_en = fields.String()
    name_kh = fields.String(allow_none=True)
    brand = fields.String(allow_none=True)
    short_description = fields.String(allow_none=True)
    price = Money()
    compare_at_price = Money(allow_none=True)
    currency = fields.String(metadata={"example": "USD"})
    price_khr = fields.Integer(
        metadata={"description": "The price in whole riel at KHR_PER_USD, half-up to 100 riel", "example": 51300}
    )
    compare_at_price_khr = fields.Integer(allow_none=True, metadata={"description": "compare_at_price in riel"})
    on_sale = fields.Boolean()
    in_stock = fields.Boolean()
    stock = fields.Integer()
    skin_type = fields.String()
    skin_type_label = fields.String()
    skin_concerns = fields.List(fields.String())
    skin_concern_labels = fields.List(fields.String())
    category = fields.String()
    image_url = fields.String(allow_none=True)
    is_featured = fields.Boolean()
    rating_avg = fields.String(metadata={"example": "4.50"})
    rating_count = fields.Integer()
    size = fields.String(allow_none=True)
    price_range = fields.Nested(
        Schema.from_dict(
            {"min": fields.String(metadata={"example": "18.00"}), "max": fields.String(metadata={"example": "26.00"})},
            name="PriceRange",
        ),
        metadata={"description": "The lowest and highest price of the product's sizes or shades"},
    )


class VariantSchema(Schema):
    id = fields.Integer(metadata={"description": "Send it as `variant_id` to POST /api/v1/cart/add"})
    sku = fields.String()
    option_name = fields.String(allow_none=True, metadata={"description": "size or shade; null for an only variant"})
    option_value_en = fields.String(allow_none=True, metadata={"example": "50 ml"})
    option_value_kh = fields.String(allow_none=True)
    name = fields.String(allow_none=True, metadata={"description": "The option value in the request's language"})
    price = fields.String(metadata={"example": "26.00"})
    price_khr = fields.Integer()
    compare_at_price = fields.String(allow_none=True)
    in_stock = fields.Boolean()
    stock = fields.Integer()
    is_default = fields.Boolean()
    image_url = fields.String(allow_none=True)


class ImageSchema(Schema):
    url = fields.String()
    alt_text = fields.String(allow_none=True)
    is_primary = fields.Boolean()
    sort_order = fields.Integer()


class CategoryRefSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    name_en = fields.String()
    name_kh = fields.String(allow_none=True)


class RatingSchema(Schema):
    average = fields.String()
    count = fields.Integer()
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer())


class ProductDetailSchema(ProductSummarySchema):
    description = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    description_kh = fields.String(allow_none=True)
    usage_instructions = fields.String(allow_none=True)
    ingredients = fields.List(fields.String())
    images = fields.List(fields.Nested(ImageSchema))
    categories = fields.List(fields.Nested(CategoryRefSchema))
    meta_title = fields.String(allow_none=True)
    meta_description = fields.String(allow_none=True)
    rating = fields.Nested(RatingSchema)
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    variants = fields.List(fields.Nested(VariantSchema), metadata={"description": "Its sizes or shades on sale"})


class ReviewSchema(Schema):
    id = fields.Integer()
    rating = fields.Integer()
    title = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    is_verified_purchase = fields.Boolean()
    helpful_count = fields.Integer()
    created_at = fields.DateTime()


class CategoryTreeSchema(CategoryRefSchema):
    description = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    description_kh = fields.String(allow_none=True)
    image_url = fields.String(allow_none=True)
    children = fields.List(fields.Nested(lambda: CategoryTreeSchema()))


ProductPageEnvelope = page_envelope(
    "ProductPage",
    ProductSummarySchema,
    total_is_estimate=fields.Boolean(
        metadata={"description": "total_items is an estimate (a search matching a large part of the catalog)"}
    ),
)
ProductListEnvelope = envelope("ProductListEnvelope", ProductSummarySchema, many=True)
ProductEnvelope = envelope("ProductEnvelope", ProductDetailSchema)
ReviewPageEnvelope = page_envelope("ReviewPage", ReviewSchema)
CategoryListEnvelope = envelope("CategoryListEnvelope", CategoryTreeSchema, many=True)


# ---------------------------------------------------------------- payloads


def product_summary(product: Product) -> dict[str, Any]:
    """The language-neutral listing payload (what is cached)."""
    return {
        "id": product.id,
        "slug": product.slug,
        "sku": product.sku,
        "url": url_for("storefront.product_detail", slug=product.slug),
        "name_en": product.name_en,
        "name_kh": product.name_kh,
        "brand": product.brand,
        "short_description": product.short_description,
        "price": money(product.price),
        "compare_at_price": money(product.compare_at_price),
        "currency": current_app.config["CURRENCY"],
        "on_sale": product.is_on_sale,
        "in_stock": product.is_in_stock,
        "stock": product.stock,
        "skin_type": product.skin_type.value,
        "skin_concerns": list(product.skin_concerns or []),
        "category": product.category,
        "image_url": product.image_url,
        "is_featured": product.is_featured,
        "rating_avg": money(product.rating_avg),
        "rating_count": product.rating_count,
        "size": product.size,
        "price_range": {"min": money(product.price), "max": money(product.price_max or product.price)},
    }


def variant_payload(variant: ProductVariant) -> dict[str, Any]:
    """One size or shade, language-neutral (cached with the product)."""
    return {
        "id": variant.id,
        "sku": variant.sku,
        "option_name": variant.option_name,
        "option_value_en": variant.option_value_en,
        "option_value_kh": variant.option_value_kh,
        "price": money(variant.price),
        "compare_at_price": money(variant.compare_at_price),
        "in_stock": variant.is_in_stock,
        "stock": variant.stock,
        "is_default": variant.is_default,
        "image_url": variant.image_url,
    }


def product_detail(product: Product, rating: catalog.RatingSummary) -> dict[str, Any]:
    return {
        **product_summary(product),
        "description_en": product.description_en,
        "description_kh": product.description_kh,
        "usage_instructions": product.usage_instructions,
        "ingredients": list(product.ingredients or []),
        "images": [
            {"url": i.image_url, "alt_text": i.alt_text, "is_primary": i.is_primary, "sort_order": i.sort_order}
            for i in product.images
        ],
        "categories": [_category_ref(c) for c in product.categories],
        "meta_title": product.meta_title,
        "meta_description": product.meta_description,
        "rating": {
            "average": money(rating.average),
            "count": rating.count,
            "distribution": {str(k): v for k, v in rating.distribution.items()},
        },
        "created_at": product.created_at.isoformat() if product.created_at else None,
        "published_at": product.published_at.isoformat() if product.published_at else None,
        "variants": [
            variant_payload(v)
            for v in catalog_variants.variants_of(product.id) or [catalog_variants.default_variant(product)]
        ],
    }


def _category_ref(category: Category) -> dict[str, Any]:
    return {"id": category.id, "slug": category.slug, "name_en": category.name, "name_kh": category.name_kh}


def _category_tree(tree: catalog.CategoryTree, category: Category) -> dict[str, Any]:
    return {
        **_category_ref(category),
        "description_en": category.description,
        "description_kh": category.description_kh,
        "image_url": category.image_url,
        "children": [_category_tree(tree, child) for child in tree.children(category)],
    }


def localize(item: dict[str, Any]) -> dict[str, Any]:
    """A cached payload with its fields in the request's language."""
    out = {**item, "name": _pick(item, "name")}
    if "price" in item:  # riel at today's rate, not cached with the dollars
        out["price_khr"] = _riel(item["price"])
        out["compare_at_price_khr"] = _riel(item["compare_at_price"])
    if "skin_type" in item:
        out["skin_type_label"] = skin_type_label(item["skin_type"])
        out["skin_concern_labels"] = [concern_label(code) for code in item["skin_concerns"]]
    if "description_en" in item:
        out["description"] = _pick(item, "description")
    if "categories" in item:
        out["categories"] = [localize(c) for c in item["categories"]]
    if "variants" in item:
        out["variants"] = [
            {**v, "name": _pick(v, "option_value"), "price_khr": _riel(v["price"])} for v in item["variants"]
        ]
    if "children" in item:
        out["children"] = [localize(c) for c in item["children"]]
    return out


def _riel(amount: str | None) -> int | None:
    return None if amount is None else riel_amount(Decimal(amount))


def _pick(item: dict[str, Any], field: str) -> Any:
    return localized(SimpleNamespace(**item), field)


def _localized_page(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "data": [localize(item) for item in data["data"]]}


# ---------------------------------------------------------------- helpers


def sort_key(args: dict) -> SortKey | None:
    sort, order = args.get("sort"), args.get("order")
    if sort is None:
        return None
    if sort == "price":
        return SortKey.PRICE_DESC if order == "desc" else SortKey.PRICE_ASC
    return SortKey(sort)


def product_filters(args: dict, *, query: str | None = None, category: Category | None = None) -> ProductFilters:
    if category is None and args.get("category"):
        category = catalog.get_category(args["category"])
        if category is None:
            abort(400, messages={"query": {"category": [_m("Unknown category.")]}})
    return ProductFilters(
        query=query if query is not None else (args.get("search") or ""),
        category=category,
        skin_type=SkinType(args["skin_type"]) if args.get("skin_type") else None,
        concerns=tuple(dict.fromkeys(args.get("concern") or ())),
        min_price=args.get("min_price"),
        max_price=args.get("max_price"),
        in_stock=args.get("in_stock", False),
        on_sale=args.get("on_sale", False),
    )


def _listing(args: dict, filters: ProductFilters, *, cache_as: str | None = None):
    """One page of products; the seed's listing key caches plain `page/limit/category` pages."""
    key = None
    if cache_as is not None and set(request.args) <= CACHEABLE_ARGS and catalog.catalog_cache_enabled():
        key = catalog.listing_cache_key(args["page"], args["limit"], cache_as)
        cached = cache.get(key)
        if cached is not None:
            return success_response(_localized_page(cached))
    page = catalog.list_products(filters, sort=sort_key(args), page=args["page"], per_page=args["limit"])
    data = paginated_page(page, product_summary)
    data["total_is_estimate"] = page.estimated
    if key is not None:
        cache.set(key, data, timeout=catalog.LISTING_TTL)
    return success_response(_localized_page(data))


def _public_product_id(product_id: int) -> int:
    if catalog.public_product_id(product_id) is None:
        abort(404)
    return product_id


# ---------------------------------------------------------------- endpoints


@bp.route("/products")
@bp.arguments(ProductListQuery, location="query")
@bp.response(200, ProductPageEnvelope)
def list_products(args):
    """Public products: filters, sorts and the seed's pagination.

    Plain `page`/`limit`/`category` pages are cached for 15 minutes
    (`api:products:page:{page}:limit:{limit}:category:{category}`).
    """
    return _listing(args, product_filters(args), cache_as=args.get("category") or "")


@bp.route("/products/search")
@bp.arguments(SearchQuery, location="query")
@bp.response(200, ProductPageEnvelope)
def search_products(args):
    """Ranked full-text search over names, descriptions, ingredients and skin concerns, in
    English and Khmer, tolerant of typos (`q`); the listing filters apply too."""
    return _listing(args, product_filters(args, query=args["q"]))


@bp.route("/products/featured")
@bp.arguments(LimitQuery, location="query")
@bp.response(200, ProductListEnvelope)
def featured_products(args):
    """Featured products, newest first."""
    return success_response([localize(product_summary(p)) for p in catalog.featured_products(args["limit"])])


@bp.route("/products/by-skin-type/<skin_type>")
@bp.arguments(ProductListQuery, location="query")
@bp.response(200, ProductPageEnvelope)
def products_by_skin_type(args, skin_type: str):
    """Products for a skin type, and those for every skin type (`all`: only those). An unknown
    skin type is a 400."""
    if skin_type not in SKIN_TYPES:
        message = _m("Unknown skin type. Use one of: {choices}.", choices=", ".join(SKIN_TYPES))
        abort(400, messages={"path": {"skin_type": [message]}})
    args = {**args, "skin_type": skin_type}
    return _listing(args, product_filters(args))


@bp.route("/products/<int:product_id>")
@bp.response(200, ProductEnvelope)
def get_product(product_id: int):
    """One public product with its images, categories and rating (cached 30 minutes as
    `api:product:{id}`)."""
    key = catalog.product_cache_key(product_id)
    data = cache.get(key) if catalog.catalog_cache_enabled() else None
    if data is None:
        product = catalog.get_public_product_by_id(product_id)
        if product is None:
            abort(404)
        assert product is not None  # abort() raised (flask_smorest has no types to say so)
        data = product_detail(product, catalog.rating_summary(product.id))
        if catalog.catalog_cache_enabled():
            cache.set(key, data, timeout=catalog.PRODUCT_TTL)
    return success_response(localize(data))


@bp.route("/products/<int:product_id>/reviews")
@bp.arguments(ReviewPageQuery, location="query")
@bp.response(200, ReviewPageEnvelope)
def product_reviews(args, product_id: int):
    """A public product's approved reviews, newest first, or `?sort=helpful` for the most
    helpful first; `is_verified_purchase` says whether the reviewer bought it (paid or delivered)."""
    page = catalog.approved_reviews(
        _public_product_id(product_id), page=args["page"], per_page=args["limit"], sort=args["sort"]
    )
    verified = review_rules.verified_purchase_ids(page.items)
    return success_response(
        paginated_page(
            page,
            lambda r: {
                "id": r.id,
                "rating": r.rating,
                "title": r.title,
                "comment": r.comment,
                "customer_name": r.customer_name,
                "is_verified_purchase": r.id in verified,
                "helpful_count": r.helpful_count,
                "created_at": r.created_at.isoformat() if r.created_at else None,
            },
        )
    )


@bp.route("/products/<int:product_id>/related")
@bp.arguments(LimitQuery, location="query")
@bp.response(200, ProductListEnvelope)
def related_products(args, product_id: int):
    """Products of the same category, those sharing a skin concern first."""
    product = catalog.get_public_product_by_id(product_id)
    if product is None:
        abort(404)
    assert product is not None  # abort() raised (flask_smorest has no types to say so)
    return success_response(
        [localize(product_summary(p)) for p in catalog.related_products(product, limit=args["limit"])]
    )


@bp.route("/categories")
@bp.response(200, CategoryListEnvelope)
def list_categories():
    """The active category tree (cached 60 minutes as `api:categories`)."""
    data = cache.get(catalog.CATEGORIES_KEY) if catalog.catalog_cache_enabled() else None
    if data is None:
        tree = catalog.category_tree()
        data = [_category_tree(tree, root) for root in tree.roots]
        if catalog.catalog_cache_enabled():
            cache.set(catalog.CATEGORIES_KEY, data, timeout=catalog.CATEGORIES_TTL)
    return success_response([localize(c) for c in data])


@bp.route("/categories/<slug>/products")
@bp.arguments(ProductListQuery, location="query")
@bp.response(200, ProductPageEnvelope)
def category_products(args, slug: str):
    """Public products of a category and its subcategories (cached like /products?category=)."""
    category = catalog.get_category(slug)
    if category is None:
        abort(404)
    args = {**args, "category": slug}
    return _listing(args, product_filters(args, category=category), cache_as=slug)
