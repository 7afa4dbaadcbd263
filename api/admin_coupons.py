"""Coupons over JSON, for admins: /api/v1/admin/coupons*.

The field rules (every seed field), the refusal to delete a used coupon (409: deactivate it
instead), the statistics and the audit entries are shop.coupons.services'.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import staff_schemas as out
from api.admin_access import admin_token_required
from api.admin_support import actor
from api.catalog import PageQuery
from api.fields import money
from api.pagination import PaginationQuery, paginated_page
from api.schemas import EmptyEnvelope
from api.shopping import coupon_terms_json
from api.validation import Id, Range
from shop.coupons import services as coupons
from shop.coupons.models import Coupon, CouponStatus, CouponType
from web.envelope import success_response

bp = Blueprint("admin_coupons", __name__, url_prefix="/api/v1/admin/coupons", description="Coupons (admins)")

STATUSES = [s.value for s in CouponStatus]
TYPES = [t.value for t in CouponType]
MONEY = Range(min=0, max=coupons.MAX_AMOUNT)
LIMIT = Range(min=1, max=10_000_000)


class AdminCouponListQuery(PaginationQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    type = fields.String(load_default=None, validate=validate.OneOf(TYPES))


class AdminCouponIn(Schema):
    """Every field of the seed's coupon; `used_count` is counted by orders, not set."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=50))
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = fields.String(allow_none=True, validate=validate.Length(max=coupons.MAX_DESCRIPTION))
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    value = fields.Decimal(allow_none=True, places=2, validate=MONEY)
    max_discount = fields.Decimal(allow_none=True, places=2, validate=MONEY)
    usage_limit = fields.Integer(allow_none=True, strict=True, validate=LIMIT)
    usage_limit_per_user = fields.Integer(allow_none=True, strict=True, validate=LIMIT)
    min_order_value = fields.Decimal(allow_none=True, places=2, validate=MONEY)
    applicable_products = fields.List(
        Id(strict=True),
        allow_none=True,
        validate=validate.Length(max=coupons.MAX_APPLICABLE),
    )
    applicable_categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        allow_none=True,
        validate=validate.Length(max=coupons.MAX_APPLICABLE),
    )
    status = fields.String(validate=validate.OneOf(STATUSES))
    is_first_time_only = fields.Boolean()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)


class AdminCouponPatchIn(AdminCouponIn):
    """The same fields, all optional (used with partial=True)."""


class CouponBulkStatusIn(Schema):
    ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=coupons.MAX_BULK))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


def coupon_json(coupon: Coupon) -> dict:
    return {
        "id": coupon.id,
        **coupon_terms_json(coupon),
        "usage_limit": coupon.usage_limit,
        "used_count": coupon.used_count,
        "usage_limit_per_user": coupon.usage_limit_per_user,
        "min_order_value": money(coupon.min_order_value),
        "applicable_products": list(coupon.applicable_products or []),
        "applicable_categories": list(coupon.applicable_categories or []),
        "status": coupon.status.value,
        "is_first_time_only": coupon.is_first_time_only,
        "start_date": coupon.start_date.isoformat() if coupon.start_date else None,
        "end_date": coupon.end_date.isoformat() if coupon.end_date else None,
        "created_at": coupon.created_at.isoformat() if coupon.created_at else None,
        "updated_at": coupon.updated_at.isoformat() if coupon.updated_at else None,
    }


def stats_json(stats: coupons.CouponStats) -> dict:
    return {
        "uses": stats.uses,
        "discount_given": money(stats.discount_given),
        "orders": stats.orders,
        "revenue": money(stats.revenue),
    }


@bp.get("")
@bp.response(200, out.StaffCouponPageEnvelope)
@admin_token_required
@bp.arguments(AdminCouponListQuery, location="query")
def list_coupons(query):
    """Coupons, newest first: `search` (code or name), `status`, `type`."""
    filters = coupons.CouponFilters(
        query=query["search"] or "",
        status=CouponStatus(query["status"]) if query["status"] else None,
        type=CouponType(query["type"]) if query["type"] else None,
    )
    page = coupons.list_coupons(filters, page=query["page"], per_page=query["limit"])
    return success_response(paginated_page(page, coupon_json))


@bp.post("")
@bp.response(201, out.StaffCouponEnvelope)
@admin_token_required
@bp.arguments(AdminCouponIn)
def create_coupon(data):
    """Create a coupon (409 when the code is taken)."""
    coupon = coupons.create_coupon(data, actor=actor())
    return success_response(coupon_json(coupon), _("The coupon was created."), 201)


@bp.get("/stats")
@bp.response(200, out.CouponOverviewEnvelope)
@admin_token_required
def stats():
    """Every coupon together: uses, discount given, revenue of the orders with a coupon (not
    cancelled or refunded), how many coupons in each status, and the most used."""
    overview = coupons.coupons_overview()
    return success_response(
        {
            **stats_json(overview.totals),
            "by_status": overview.by_status,
            "top": [{**coupon_json(c), "stats": stats_json(s)} for c, s in overview.top],
        }
    )


@bp.get("/<int:coupon_id>")
@bp.response(200, out.StaffCouponEnvelope)
@admin_token_required
def get_coupon(coupon_id: int):
    """One coupon with its statistics."""
    coupon = coupons.get_coupon(coupon_id)
    return success_response({**coupon_json(coupon), "stats": stats_json(coupons.coupon_stats(coupon.id))})


@bp.put("/<int:coupon_id>")
@bp.response(200, out.StaffCouponEnvelope)
@admin_token_required
@bp.arguments(AdminCouponPatchIn(partial=True))
def update_coupon(data, coupon_id: int):
    """Change some fields (the others stay); the same rules as creating."""
    coupon = coupons.update_coupon(coupon_id, data, actor=actor())
    return success_response(coupon_json(coupon), _("The coupon was saved."))


@bp.delete("/<int:coupon_id>")
@bp.response(200, EmptyEnvelope)
@admin_token_required
def delete_coupon(coupon_id: int):
    """Delete a coupon that was never used; a used one is refused (409): deactivate it."""
    coupons.delete_coupon(coupon_id, actor=actor())
    return success_response(None, _("The coupon was deleted."))


@bp.post("/bulk-update")
@bp.response(200, out.StaffCouponListEnvelope)
@admin_token_required
@bp.arguments(CouponBulkStatusIn)
def bulk_update(data):
    """Set the status of up to 100 coupons at once (all or nothing)."""
    changed = coupons.bulk_set_status(data["ids"], CouponStatus(data["status"]), actor=actor())
    return success_response([coupon_json(c) for c in changed], _("The coupons were updated."))


@bp.get("/<int:coupon_id>/usage")
@bp.response(200, out.CouponUsePageEnvelope)
@admin_token_required
@bp.arguments(PageQuery, location="query")
def usage(query, coupon_id: int):
    """Who used the coupon, on which order, for how much; newest first."""
    page = coupons.coupon_usage(coupon_id, page=query["page"], per_page=query["limit"])
    return success_response(
        paginated_page(
            page,
            lambda u: {
                "id": u.id,
                "used_at": u.used_at.isoformat() if u.used_at else None,
                "discount_amount": money(u.discount_amount),
                "user_id": u.user_id,
                "user_email": u.user_email,
                "order_id": u.order_id,
                "order_number": u.order_number,
                "order_total": money(u.order_total),
                "order_status": u.order_status,
            },
        )
    )
