"""Staff JSON for the dashboard and analytics: /api/v1/admin/dashboard/*, /analytics/*.
Admins only (a moderator may read the reviews waiting); the figures are shop.reporting's, the same
the admin pages show."""

from __future__ import annotations

from datetime import timedelta

from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import staff_schemas as out
from api.admin_access import admin_token_required, staff_token_required
from api.admin_support import money
from api.validation import Range
from shop.accounts.models import UserRole
from shop.reporting import analytics, dashboard
from shop.reporting.periods import Granularity, today
from web.envelope import success_response

bp = Blueprint("admin_reports", __name__, url_prefix="/api/v1/admin", description="Staff: dashboard and analytics")


class ReportLimitQuery(Schema):
    limit = fields.Integer(load_default=10, validate=Range(min=1, max=100))
    days = fields.Integer(load_default=30, validate=Range(min=1, max=366))


class ReportRangeQuery(Schema):
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None)
    granularity = fields.String(load_default="day", validate=validate.OneOf([g.value for g in Granularity]))


def _range(query: dict):
    end = query["end"] or today()
    start = query["start"] or end - timedelta(days=29)
    return start, end, Granularity(query["granularity"])


@bp.get("/dashboard/stats")
@bp.response(200, out.DashboardStatsEnvelope)
@staff_token_required
def stats():
    """Revenue, orders, customers and average order value for today, 7 and 30 days (orders
    not cancelled or refunded), low stock and reviews waiting. A moderator gets only what the
    dashboard page shows them: the reviews waiting."""
    if current_user.role != UserRole.ADMIN:
        return success_response({"pending_reviews": dashboard.pending_reviews()})
    return success_response(
        {
            "periods": [
                {
                    "days": s.days,
                    "revenue": money(s.revenue),
                    "orders": s.orders,
                    "customers": s.customers,
                    "average_order_value": money(s.average_order_value),
                }
                for s in dashboard.all_stats()
            ],
            "low_stock": [
                {"id": p.id, "sku": p.sku, "name": p.name_en, "stock": p.stock} for p in dashboard.low_stock()
            ],
            "pending_reviews": dashboard.pending_reviews(),
        }
    )


@bp.get("/dashboard/recent-orders")
@bp.response(200, out.RecentOrdersEnvelope)
@admin_token_required
@bp.arguments(ReportLimitQuery, location="query")
def recent_orders(query):
    """The latest orders."""
    return success_response(
        [
            {
                "id": o.id,
                "order_number": o.order_number,
                "customer_email": o.customer_email,
                "status": o.status.value,
                "payment_status": o.payment_status.value,
                "total": money(o.total),
                "created_at": o.created_at.isoformat() if o.created_at else None,
            }
            for o in dashboard.recent_orders(query["limit"])
        ]
    )


@bp.get("/dashboard/top-products")
@bp.response(200, out.TopProductsEnvelope)
@admin_token_required
@bp.arguments(ReportLimitQuery, location="query")
def top_products(query):
    """The products that brought in the most over the last `days` days."""
    return success_response(
        [
            {"product_id": t.product_id, "name": t.name, "units": t.units, "revenue": money(t.revenue)}
            for t in dashboard.top_products(query["days"], query["limit"])
        ]
    )


@bp.get("/analytics/sales")
@bp.response(200, out.SalesEnvelope)
@admin_token_required
@bp.arguments(ReportRangeQuery, location="query")
def sales(query):
    """Orders and revenue per day, week or month (default: the last 30 days by day)."""
    start, end, granularity = _range(query)
    points = analytics.sales(start, end, granularity)
    return success_response(
        [{"period": p.period.isoformat(), "orders": p.orders, "revenue": money(p.revenue)} for p in points]
    )


@bp.get("/analytics/customers")
@bp.response(200, out.CustomersReportEnvelope)
@admin_token_required
@bp.arguments(ReportRangeQuery, location="query")
def customers(query):
    """New and returning customers per period."""
    start, end, granularity = _range(query)
    points = analytics.customers(start, end, granularity)
    return success_response([{"period": p.period.isoformat(), "new": p.new, "returning": p.returning} for p in points])


@bp.get("/analytics/products")
@bp.response(200, out.ProductFunnelEnvelope)
@admin_token_required
@bp.arguments(ReportRangeQuery, location="query")
def products(query):
    """Views and units bought per product; `data` is null when no views were recorded yet."""
    start, end, _granularity = _range(query)
    funnel = analytics.product_funnel(start, end)
    if funnel is None:
        return success_response(None)
    return success_response(
        [
            {
                "product_id": f.product_id,
                "name": f.name,
                "views": f.views,
                "purchases": f.purchases,
                "conversion_percent": str(f.conversion),
            }
            for f in funnel
        ]
    )
