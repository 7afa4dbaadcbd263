"""Door 3: JSON. `/api/v1` (customer and admin), `/ml/v1`, and the health checks.

The OpenAPI document is served at /api/v1/openapi.json.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow
from flask import Flask, current_app
from flask.json.provider import DefaultJSONProvider
from flask_babel.speaklater import LazyString
from flask_smorest import Api

import api.validation  # noqa: F401  (translatable validation messages, before any schema)
from api.ops_schemas import document_plain_routes
from api.schemas import ErrorEnvelopeSchema
from shop.extensions import csrf, limiter
from shop.infra.inputs import MAX_ID, MIN_INT


class ShopApi(Api):
    """flask-smorest with the seed's error envelope: our app-wide handlers answer errors, and
    the document describes every error with that envelope (`api.schemas.ErrorEnvelopeSchema`)."""

    ERROR_SCHEMA = ErrorEnvelopeSchema

    def _register_error_handlers(self) -> None:
        pass


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _numbers_not_strings(self: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a Decimal bound (Range(min=Decimal("0.01")), or any bound of
    an `as_string` Decimal field) is written as a JSON number, not as a string (which makes the
    document invalid)."""
    return {
        key: _number(Decimal(str(value)))
        for key, value in ret.items()
        if key in _BOUNDS and isinstance(value, Decimal | str)
    }


class ShopJSONProvider(DefaultJSONProvider):
    """JSON that also renders translatable (lazy) strings, in the request's language, and keeps
    the envelope's key order."""

    sort_keys = False

    @staticmethod
    def default(o):
        if isinstance(o, LazyString):
            return str(o)
        return DefaultJSONProvider.default(o)


def api_rate_limit() -> str:
    """The seed's API limit (RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW, per IP)."""
    config = current_app.config
    return f"{config['RATE_LIMIT_REQUESTS']} per {int(config['RATE_LIMIT_WINDOW'].total_seconds())} second"


# shop.infra.inputs takes days from 1900-01-01 to 2100-12-31 (FIRST_DAY..LAST_DAY); OpenAPI 3.0
# has no bound for a date, so the document says it with the year.
DAY_PATTERN = "^(19[0-9]{2}|20[0-9]{2}|2100)-"


def _days_in_range(self: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a date or date-time field says which years it takes."""
    if isinstance(field, marshmallow.fields.Date | marshmallow.fields.DateTime) and "pattern" not in ret:
        return {"pattern": DAY_PATTERN}
    return {}


def _integers_in_range(self: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: every integer says the bounds api.validation holds it to
    (PostgreSQL's `integer`) where the field has none of its own, so a client (and schemathesis)
    knows that a larger number is refused with a 422."""
    if not isinstance(field, marshmallow.fields.Integer):
        return {}
    bounds: dict[str, Any] = {}
    if "minimum" not in ret and "exclusiveMinimum" not in ret:
        bounds["minimum"] = MIN_INT
    if "maximum" not in ret and "exclusiveMaximum" not in ret:
        bounds["maximum"] = MAX_ID
    return bounds


def register_api(app: Flask) -> None:
    from api.accounts import admin_auth_bp, auth_bp, user_bp
    from api.admin_catalog import categories_bp as admin_categories_bp
    from api.admin_catalog import products_bp as admin_products_bp
    from api.admin_coupons import bp as admin_coupons_bp
    from api.admin_customers import bp as admin_customers_bp
    from api.admin_orders import bp as admin_orders_bp
    from api.admin_payments import bp as admin_payments_bp
    from api.admin_reports import bp as admin_reports_bp
    from api.admin_reviews import bp as admin_reviews_bp
    from api.catalog import bp as catalog_bp
    from api.health import bp as health_bp
    from api.ml import bp as ml_bp
    from api.ml_analytics import bp as ml_analytics_bp
    from api.ml_analytics import ops_bp as ml_ops_bp
    from api.ml_recommendations import bp as ml_recommendations_bp
    from api.payments import bp as order_payments_bp
    from api.recommendations import bp as recommendations_bp
    from api.reviews import bp as reviews_bp
    from api.shopping import cart_bp, coupons_bp, orders_bp, wishlist_bp
    from api.v1 import bp as v1_bp

    app.json = ShopJSONProvider(app)
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            }
        },
    )
    # One Api per app: it holds that app's OpenAPI spec.
    api = ShopApi(app)
    api.ma_plugin.converter.add_attribute_function(_numbers_not_strings)
    api.ma_plugin.converter.add_attribute_function(_days_in_range)
    api.ma_plugin.converter.add_attribute_function(_integers_in_range)
    document_plain_routes(api)
    app.extensions["shop_api"] = api
    app.register_blueprint(health_bp)
    app.register_blueprint(ml_ops_bp)
    csrf.exempt(ml_ops_bp)
    # The API authenticates with tokens, not cookies, so CSRF does not apply.
    for blueprint in (
        v1_bp,
        auth_bp,
        user_bp,
        admin_auth_bp,
        admin_products_bp,
        admin_categories_bp,
        admin_orders_bp,
        admin_payments_bp,
        admin_reports_bp,
        cart_bp,
        wishlist_bp,
        orders_bp,
        order_payments_bp,
        coupons_bp,
        catalog_bp,
        ml_bp,
        ml_analytics_bp,
        reviews_bp,
        admin_reviews_bp,
        admin_customers_bp,
        admin_coupons_bp,
        ml_recommendations_bp,
        recommendations_bp,
    ):
        limiter.limit(api_rate_limit)(blueprint)
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
