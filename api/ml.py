"""The ML service's door, `/ml/v1` (the seed's Python ML endpoints grow here).

GET /ml/v1/search/suggestions: search-as-you-type, the same service as the storefront's dropdown
and /api/v1/products/search.
"""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.fields import Money, money
from api.validation import Range
from shop.catalog import services as catalog
from shop.catalog.vocab import concern_label
from shop.i18n import localized
from web.envelope import success_response

bp = Blueprint("ml_v1", __name__, url_prefix="/ml/v1", description="ML service: search and discovery")


class SuggestionQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    limit = fields.Integer(load_default=6, validate=Range(min=1, max=20))


class ProductSuggestionSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    name_en = fields.String()
    name_kh = fields.String(allow_none=True)
    price = Money()
    image_url = fields.String(allow_none=True)
    url = fields.String()


class CategorySuggestionSchema(Schema):
    slug = fields.String()
    name = fields.String()
    url = fields.String()


class ConcernSuggestionSchema(Schema):
    code = fields.String()
    label = fields.String()
    url = fields.String()


class SuggestionsSchema(Schema):
    query = fields.String()
    products = fields.List(fields.Nested(ProductSuggestionSchema))
    categories = fields.List(fields.Nested(CategorySuggestionSchema))
    concerns = fields.List(fields.Nested(ConcernSuggestionSchema))


SuggestionsEnvelope = Schema.from_dict(
    {"success": fields.Boolean(), "message": fields.String(), "data": fields.Nested(SuggestionsSchema)},
    name="SuggestionsEnvelope",
)


@bp.route("/search/suggestions")
@bp.arguments(SuggestionQuery, location="query")
@bp.response(200, SuggestionsEnvelope)
def search_suggestions(args):
    """Products, categories and skin concerns for what the shopper has typed so far, in the
    request's language (`?lang=km` or Accept-Language)."""
    found = catalog.suggest(args["q"], limit=args["limit"])
    return success_response(
        {
            "query": found.query,
            "products": [
                {
                    "id": p.id,
                    "slug": p.slug,
                    "name": localized(p, "name"),
                    "name_en": p.name_en,
                    "name_kh": p.name_kh,
                    "price": money(p.price),
                    "image_url": p.image_url,
                    "url": url_for("storefront.product_detail", slug=p.slug),
                }
                for p in found.products
            ],
            "categories": [
                {"slug": c.slug, "name": localized(c, "name"), "url": url_for("storefront.category", slug=c.slug)}
                for c in found.categories
            ],
            "concerns": [
                {"code": code, "label": concern_label(code), "url": url_for("storefront.search", concern=code)}
                for code in found.concerns
            ],
        }
    )
