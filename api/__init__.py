"""Door 3: JSON. `/api/v1` (customer and admin), `/ml/v1`, and the health checks.

The OpenAPI document is served at /api/v1/openapi.json.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask.json.provider import DefaultJSONProvider
from flask_babel.speaklater import LazyString
from flask_smorest import Api

import api.validation  # noqa: F401  (translatable validation messages, before any schema)
from shop.extensions import csrf, limiter


class ShopApi(Api):
    """flask-smorest with the seed's error envelope: our app-wide handlers answer errors."""

    def _register_error_handlers(self) -> None:
        pass


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
