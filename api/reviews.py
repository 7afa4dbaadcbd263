"""Reviews over JSON, for the signed-in shopper: POST /api/v1/reviews, PUT|DELETE
/api/v1/reviews/<id>, POST /api/v1/reviews/<id>/helpful, GET /api/v1/user/reviews.

The public list of a product's approved reviews is GET /api/v1/products/<id>/reviews
(api/catalog.py). The rules are shop.reviews.services'.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.pagination import PaginationQuery, paginated_page
from api.validation import Id, Range
from shop.reviews import services as reviews
from shop.reviews.models import MAX_RATING, Review
from web.envelope import success_response
from web.messages import translatable as _m

bp = Blueprint("reviews", __name__, url_prefix="/api/v1", description="The signed-in shopper's reviews")

RATING = Range(min=1, max=MAX_RATING, error=_m("Choose a rating from 1 to 5 stars."))


class ReviewIn(Schema):
    product_id = Id(required=True)
    rating = fields.Integer(required=True, strict=True, validate=RATING)
    title = fields.String(allow_none=True, validate=validate.Length(max=reviews.MAX_TITLE))
    comment = fields.String(required=True, validate=validate.Length(max=reviews.MAX_COMMENT))


class ReviewPatchIn(Schema):
    rating = fields.Integer(strict=True, validate=RATING)
    title = fields.String(allow_none=True, validate=validate.Length(max=reviews.MAX_TITLE))
    comment = fields.String(validate=validate.Length(max=reviews.MAX_COMMENT))


def review_json(review: Review, *, with_product: bool = False) -> dict:
    """A review as the API shows it to its author and to staff (the public list shows less)."""
    data: dict[str, Any] = {
        "id": review.id,
        "product_id": review.product_id,
        "user_id": review.user_id,
        "rating": review.rating,
        "title": review.title,
        "comment": review.comment,
        "customer_name": review.customer_name,
        "status": review.status.value,
        "is_verified_purchase": review.is_verified_purchase,
        "helpful_count": review.helpful_count,
        "created_at": review.created_at.isoformat() if review.created_at else None,
        "updated_at": review.updated_at.isoformat() if review.updated_at else None,
    }
    if with_product and review.product is not None:
        data["product"] = {"id": review.product.id, "slug": review.product.slug, "name": review.product.name_en}
    return data


@bp.post("/reviews")
@jwt_required()
@bp.arguments(ReviewIn)
def create(data):
    """Review a product (one review per product; a second is 409). It is shown once approved."""
    review = reviews.create_review(current_user, data.pop("product_id"), **data)
    return success_response(review_json(review), _("Thank you! Your review will appear once we have checked it."), 201)


@bp.put("/reviews/<int:review_id>")
@jwt_required()
@bp.arguments(ReviewPatchIn)
def update(data, review_id: int):
    """Change your review (fields not sent stay). A change sends it back to moderation: it is
    hidden, and left out of the product's rating, until approved again."""
    review = reviews.update_review(current_user, review_id, data)
    return success_response(review_json(review), _("Your review was saved."))


@bp.delete("/reviews/<int:review_id>")
@jwt_required()
def delete(review_id: int):
    """Delete your review (404 for anyone else's)."""
    reviews.delete_review(current_user, review_id)
    return success_response(None, _("Your review was deleted."))


@bp.post("/reviews/<int:review_id>/helpful")
@jwt_required()
def helpful(review_id: int):
    """Say an approved review was helpful: once per shopper (409 the second time), never on your
    own review (403)."""
    count = reviews.mark_helpful(current_user.id, review_id)
    return success_response({"review_id": review_id, "helpful_count": count}, _("Thank you for your feedback."))


@bp.get("/user/reviews")
@jwt_required()
@bp.arguments(PaginationQuery, location="query")
def mine(query):
    """Your reviews with their moderation status, newest first."""
    page = reviews.list_user_reviews(current_user.id, page=query["page"], per_page=query["limit"])
    body = paginated_page(
        page,
        lambda r: review_json(r, with_product=True),
    )
    return success_response(body)
