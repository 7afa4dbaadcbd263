"""Review moderation over JSON, for staff (moderators and admins): /api/v1/admin/reviews*.

The rules and the audit log entries are shop.reviews.services'; the access rule is
api/admin_access.py (no or a bad token: 401; a customer's: 403).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.admin_access import staff_token_required
from api.admin_support import actor
from api.pagination import PaginationQuery, paginated_page
from api.reviews import review_json
from api.validation import Id, Range
from shop.reviews import services as reviews
from shop.reviews.models import ReviewStatus
from web.envelope import success_response

bp = Blueprint("admin_reviews", __name__, url_prefix="/api/v1/admin/reviews", description="Review moderation (staff)")

STATUSES = [s.value for s in ReviewStatus]


class AdminReviewListQuery(PaginationQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    rating = fields.Integer(load_default=None, validate=Range(min=1, max=5))
    product_id = Id(load_default=None)
    user_id = Id(load_default=None)


class ReviewStatusIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class ReviewIdsIn(Schema):
    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=reviews.MAX_BULK))


class ReviewBulkStatusIn(ReviewIdsIn):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


def _staff_json(review) -> dict:
    return {**review_json(review, with_product=True), "customer_email": review.customer_email}


@bp.get("")
@staff_token_required
@bp.arguments(AdminReviewListQuery, location="query")
def list_reviews(query):
    """Reviews, newest first: `status` (pending, approved, rejected), `rating`, `product_id`,
    `user_id`, `search` (title, comment, reviewer, product name or SKU). `pending_count` is the
    queue's length."""
    filters = reviews.ReviewFilters(
        status=ReviewStatus(query["status"]) if query["status"] else None,
        rating=query["rating"],
        product_id=query["product_id"],
        user_id=query["user_id"],
        query=query["search"] or "",
    )
    page = reviews.list_reviews(filters, page=query["page"], per_page=query["limit"])
    body = paginated_page(page, _staff_json)
    return success_response({**body, "pending_count": reviews.pending_count()})


@bp.get("/<int:review_id>")
@staff_token_required
def get_review(review_id: int):
    """One review, whatever its status."""
    return success_response(_staff_json(reviews.get_review(review_id)))


@bp.put("/<int:review_id>/status")
@staff_token_required
@bp.arguments(ReviewStatusIn)
def set_status(data, review_id: int):
    """Approve, reject or reopen (pending) a review; recorded in the audit log."""
    reviews.set_status([review_id], ReviewStatus(data["status"]), actor=actor())
    return success_response(_staff_json(reviews.get_review(review_id)), _("The review was updated."))


@bp.delete("/<int:review_id>")
@staff_token_required
def delete_review(review_id: int):
    """Delete a review (the audit log keeps what it said)."""
    reviews.delete_reviews([review_id], actor=actor())
    return success_response(None, _("The review was deleted."))


def _bulk(ids: list[int], status: ReviewStatus):
    changed = reviews.set_status(ids, status, actor=actor())
    return success_response(
        {"ids": [r.id for r in changed], "status": status.value, "pending_count": reviews.pending_count()},
        _("The reviews were updated."),
    )


@bp.post("/bulk-update")
@staff_token_required
@bp.arguments(ReviewBulkStatusIn)
def bulk_update(data):
    """Set the status of up to 100 reviews at once (all or nothing: 404 if any id is unknown)."""
    return _bulk(data["ids"], ReviewStatus(data["status"]))


@bp.post("/bulk-approve")
@staff_token_required
@bp.arguments(ReviewIdsIn)
def bulk_approve(data):
    """Approve up to 100 reviews at once."""
    return _bulk(data["ids"], ReviewStatus.APPROVED)


@bp.post("/bulk-reject")
@staff_token_required
@bp.arguments(ReviewIdsIn)
def bulk_reject(data):
    """Reject up to 100 reviews at once."""
    return _bulk(data["ids"], ReviewStatus.REJECTED)
