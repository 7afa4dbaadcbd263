"""The ML service's analytics and search doors, and its health and metrics.

Who may call what:
- POST /ml/v1/analytics/track-event, /ml/v1/search/track-query, /ml/v1/search/products: anyone;
  guests send a `session_id` (body) or `X-Session-ID` header, signed-in shoppers may also send
  their access token (their user id is taken from it, never from the body).
- POST /ml/v1/analytics/track-purchase: a signed-in shopper, for one of their own orders (staff:
  any order). Purchases are recorded from the stored order, never from figures in the body.
- GET /ml/v1/analytics/user/<id>/insights: that user, or staff.
- GET /ml/v1/analytics/product/<id>/stats, /search-trends, /performance-metrics: staff.
- GET /ml/v1/search/trending-queries: anyone (only queries searched from several sessions).
- GET /ml/health and /ml/metrics: anyone, not rate limited, no personal data (restrict them at
  the proxy if they should not be public).
All of /ml/v1 is rate limited like the rest of the API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from flask import Blueprint as FlaskBlueprint
from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_jwt_extended import current_user, get_jwt_identity, jwt_required, verify_jwt_in_request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.admin_access import staff_token_required
from api.catalog import SKIN_TYPES, SearchQuery, localize, product_filters, product_summary, sort_key
from api.pagination import paginated_page
from api.validation import Id, Range
from shop.accounts.models import STAFF_ROLES
from shop.analytics import insights, metrics, tracking
from shop.analytics.rollup import last_rollup
from shop.analytics.store import get_mongo
from shop.analytics.tracking import EventType, SearchFilters, Visitor
from shop.catalog import services as catalog
from shop.catalog.models import Product
from shop.errors import Forbidden, NotFound
from shop.extensions import db, limiter
from shop.orders.models import Order
from web.envelope import success_response
from web.messages import translatable as _m

bp = Blueprint("ml_analytics", __name__, url_prefix="/ml/v1", description="ML service: analytics and search")
ops_bp = FlaskBlueprint("ml_ops", __name__, url_prefix="/ml")
limiter.exempt(ops_bp)

SESSION_HEADER = "X-Session-ID"
MAX_METADATA_BYTES = 2048
MAX_METRICS_DAYS = 366
SESSION_ID = validate.Regexp(r"^[A-Za-z0-9:._-]{1,100}$", error=_m("Must be 1 to 100 letters, digits or : . _ -."))
TRACKED_BY_CLIENTS = [EventType.PAGE_VIEW.value, EventType.PRODUCT_VIEW.value, EventType.CART_ADD.value]


# ---------------------------------------------------------------- who is calling


def _signed_in_user():
    """The token's user if a valid access token came, else None; a bad token is a 401."""
    verify_jwt_in_request(optional=True)
    return current_user._get_current_object() if get_jwt_identity() is not None else None


def api_visitor(session_id: str | None = None, *, user=None) -> Visitor:
    """The calling client as a Visitor (`session_id` already validated). A guest needs a session
    id; a signed-in caller without one is grouped under `user:<id>`."""
    if session_id is None:
        if user is None:
            abort(400, messages={"json": {"session_id": [_m("Send a session id, or sign in.")]}})
        session_id = f"user:{user.id}"
    return Visitor(
        session_id=session_id,
        user_id=user.id if user is not None else None,
        user_agent=request.user_agent.string,
        ip_address=request.remote_addr,
    )


def signed_in_visitor() -> Visitor:
    """The signed-in caller of a token-authenticated endpoint (cart, orders) as a Visitor."""
    return api_visitor(header_session_id(), user=current_user)


def header_session_id() -> str | None:
    value = request.headers.get(SESSION_HEADER)
    if value is None:
        return None
    try:
        SESSION_ID(value)
    except ValidationError:
        abort(400, messages={"headers": {SESSION_HEADER: [_m("Must be 1 to 100 letters, digits or : . _ -.")]}})
    return value


def _is_staff(user) -> bool:
    return user is not None and user.role in STAFF_ROLES


# ---------------------------------------------------------------- schemas


def _small_metadata(value: dict) -> None:
    if len(json.dumps(value, default=str)) > MAX_METADATA_BYTES:
        raise ValidationError(_m("Must be at most {max} bytes of JSON.", max=MAX_METADATA_BYTES))


class TrackEventIn(Schema):
    event_type = fields.String(required=True, validate=validate.OneOf(TRACKED_BY_CLIENTS))
    session_id = fields.String(load_default=None, validate=SESSION_ID)
    product_id = Id(load_default=None)
    category = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    page_url = fields.String(load_default=None, validate=validate.Length(min=1, max=2000))
    metadata = fields.Dict(
        keys=fields.String(validate=validate.Length(max=50)), load_default=dict, validate=_small_metadata
    )

    @validates_schema
    def _product_events_name_a_product(self, data, **_kwargs):
        if data["event_type"] in (EventType.PRODUCT_VIEW, EventType.CART_ADD) and data.get("product_id") is None:
            raise ValidationError(_m("This field is required."), "product_id")


class TrackPurchaseIn(Schema):
    order_id = Id(required=True)
    session_id = fields.String(load_default=None, validate=SESSION_ID)


class PriceRangeIn(Schema):
    min = fields.Decimal(load_default=None, places=2, validate=Range(min=0, max=100000))
    max = fields.Decimal(load_default=None, places=2, validate=Range(min=0, max=100000))


class FiltersIn(Schema):
    category = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    skin_type = fields.String(load_default=None, validate=validate.OneOf(SKIN_TYPES))
    price_range = fields.Nested(PriceRangeIn, load_default=dict)
    brands = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)), load_default=list, validate=validate.Length(max=20)
    )


class TrackQueryIn(Schema):
    query = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    search_id = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9a-f]{24}$"))
    session_id = fields.String(load_default=None, validate=SESSION_ID)
    filters = fields.Nested(FiltersIn, load_default=dict)
    results_count = fields.Integer(load_default=0, validate=Range(min=0, max=1_000_000))
    clicked_products = fields.List(Id(), load_default=list, validate=validate.Length(max=50))

    @validates_schema
    def _a_query_or_a_search(self, data, **_kwargs):
        if data.get("query") is None and data.get("search_id") is None:
            raise ValidationError(_m("This field is required."), "query")


class SearchProductsIn(SearchQuery):
    session_id = fields.String(load_default=None, validate=SESSION_ID)


class DaysQuery(Schema):
    days = fields.Integer(load_default=30, validate=Range(min=1, max=365))


class TrendsQuery(Schema):
    days = fields.Integer(load_default=7, validate=Range(min=1, max=365))
    limit = fields.Integer(load_default=20, validate=Range(min=1, max=100))


class TrendingQuery(Schema):
    days = fields.Integer(load_default=7, validate=Range(min=1, max=90))
    limit = fields.Integer(load_default=10, validate=Range(min=1, max=50))


class MetricsQuery(Schema):
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)

    @validates_schema
    def _a_sensible_span(self, data, **_kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_m("Must not be after date_to."), "date_from")
        if start and end and (end - start).days >= MAX_METRICS_DAYS:
            raise ValidationError(_m("At most {max} days at a time.", max=MAX_METRICS_DAYS), "date_from")


# ---------------------------------------------------------------- tracking


@bp.post("/analytics/track-event")
@bp.arguments(TrackEventIn)
def track_event(data):
    """Record a page view, product view or cart add (purchases: track-purchase)."""
    user = _signed_in_user()
    visitor = api_visitor(data["session_id"] or header_session_id(), user=user)
    category = data["category"]
    if data["product_id"] is not None:
        product = catalog.get_public_product_by_id(data["product_id"])
        if product is None:
            abort(422, messages={"json": {"product_id": [_m("Unknown product.")]}})
        category = category or product.category
    tracking.track_event(
        visitor,
        EventType(data["event_type"]),
        product_id=data["product_id"],
        category=category,
        page_url=data["page_url"],
        metadata=data["metadata"],
    )
    return success_response({"session_id": visitor.session_id}, _("Event recorded."), 202)


@bp.post("/analytics/track-purchase")
@bp.arguments(TrackPurchaseIn)
@jwt_required()
def track_purchase(data):
    """Record the purchase of one of the caller's orders (recorded once, however often sent)."""
    order = db.session.get(Order, data["order_id"])
    if order is None or (order.user_id != current_user.id and not _is_staff(current_user)):
        raise NotFound(_("We could not find that order."))
    visitor = api_visitor(data["session_id"] or header_session_id(), user=current_user)
    tracking.track_purchase(visitor, order)
    return success_response({"order_id": order.id, "session_id": visitor.session_id}, _("Purchase recorded."), 202)


@bp.post("/search/track-query")
@bp.arguments(TrackQueryIn)
def track_query(data):
    """Record a search done elsewhere (query, filters, results count, clicks), or add clicked
    products to a search recorded earlier (`search_id`, from the same session)."""
    user = _signed_in_user()
    visitor = api_visitor(data["session_id"] or header_session_id(), user=user)
    if data["search_id"] is not None:
        for product_id in dict.fromkeys(data["clicked_products"]):
            tracking.track_search_click(visitor, data["search_id"], product_id)
        search_id = data["search_id"]
    else:
        filters, prices = data["filters"], data["filters"].get("price_range") or {}
        search_id = tracking.track_search(
            visitor,
            data["query"],
            SearchFilters(
                category=filters.get("category"),
                skin_type=filters.get("skin_type"),
                min_price=prices.get("min"),
                max_price=prices.get("max"),
                brands=tuple(filters.get("brands") or ()),
            ),
            data["results_count"],
            data["clicked_products"],
        )
    return success_response({"search_id": search_id, "session_id": visitor.session_id}, _("Search recorded."), 202)


@bp.post("/search/products")
@bp.arguments(SearchProductsIn)
def search_products(data):
    """The catalog search (the same service as /api/v1/products/search and the shop's search
    page), recorded in the search analytics; report clicks with track-query and `search_id`."""
    user = _signed_in_user()
    filters = product_filters(data, query=data["q"])
    page = catalog.list_products(filters, sort=sort_key(data), page=data["page"], per_page=data["limit"])
    result = paginated_page(page, product_summary)
    result["data"] = [localize(item) for item in result["data"]]
    session_id = data["session_id"] or header_session_id()
    if session_id is not None or user is not None:
        visitor = api_visitor(session_id, user=user)
        result["search_id"] = tracking.track_search(visitor, data["q"], search_filters(filters), page.total)
    else:
        result["search_id"] = None
    return success_response(result)


def search_filters(filters: catalog.ProductFilters) -> SearchFilters:
    """The catalog's filters as the seed's `filters_applied` records them."""
    return SearchFilters(
        category=filters.category.slug if filters.category else None,
        skin_type=filters.skin_type.value if filters.skin_type else None,
        min_price=filters.min_price,
        max_price=filters.max_price,
    )


# ---------------------------------------------------------------- reading


@bp.get("/analytics/user/<int:user_id>/insights")
@bp.arguments(DaysQuery, location="query")
@jwt_required()
def user_insights(args, user_id: int):
    """A shopper's own activity (staff: anyone's)."""
    if current_user.id != user_id and not _is_staff(current_user):
        raise Forbidden()
    return success_response(insights.user_insights(user_id, days=args["days"]))


@bp.get("/analytics/product/<int:product_id>/stats")
@bp.arguments(DaysQuery, location="query")
@staff_token_required
def product_stats(args, product_id: int):
    """Views, cart adds, purchases, search clicks and conversion of a product (staff)."""
    if db.session.get(Product, product_id) is None:
        raise NotFound(_("We could not find that product."))
    return success_response(insights.product_stats(product_id, days=args["days"]))


@bp.get("/analytics/search-trends")
@bp.arguments(TrendsQuery, location="query")
@staff_token_required
def search_trends(args):
    """Top queries with results and click-through, and searches that found nothing (staff)."""
    return success_response(insights.search_trends(days=args["days"], limit=args["limit"]))


@bp.get("/analytics/performance-metrics")
@bp.arguments(MetricsQuery, location="query")
@staff_token_required
def performance_metrics(args):
    """The daily rollups between date_from and date_to (default: the last 30 days) (staff).
    Money is a string with two decimals."""
    today = datetime.now(UTC).date()
    date_to = args["date_to"] or today
    date_from = args["date_from"] or min(date_to, today) - timedelta(days=29)
    if date_from > date_to:
        abort(422, messages={"query": {"date_from": [_m("Must not be after date_to.")]}})
    days = insights.performance_metrics(date_from, date_to)
    return success_response({"date_from": date_from.isoformat(), "date_to": date_to.isoformat(), "days": days})


@bp.get("/search/trending-queries")
@bp.arguments(TrendingQuery, location="query")
def trending_queries(args):
    """What shoppers search for most these days."""
    return success_response(insights.trending_queries(days=args["days"], limit=args["limit"]))


# ---------------------------------------------------------------- health and metrics


@ops_bp.get("/health")
def health():
    """MongoDB reachable, this process's event buffer, and the last metrics rollup."""
    buffer = current_app.extensions["analytics_buffer"]
    try:
        get_mongo().command("ping")
        mongo_ok, detail = True, "ok"
        rolled = last_rollup()
    except Exception as error:  # any failure means "not reachable" here
        mongo_ok, detail, rolled = False, type(error).__name__, None
    body = {
        "status": "ok" if mongo_ok else "degraded",
        "mongo": {"ok": mongo_ok, "detail": detail},
        "event_buffer": {
            "depth": buffer.depth,
            "ingested": buffer.ingested,
            "dropped": buffer.dropped,
            "last_error": buffer.last_error,
        },
        "last_rollup": rolled.isoformat() if rolled else None,
    }
    return jsonify(body), 200 if mongo_ok else 503


@ops_bp.get("/metrics")
def prometheus_metrics():
    """Prometheus text format."""
    metrics.BUFFER_DEPTH.set(current_app.extensions["analytics_buffer"].depth)
    return Response(metrics.exposition(), mimetype="text/plain; version=0.0.4; charset=utf-8")
