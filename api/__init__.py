"""Door 3: JSON. `/api/v1` (customer and admin), `/ml/v1`, and the health checks.

The OpenAPI document is served at /api/v1/openapi.json.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from shop.extensions import csrf


class ShopApi(Api):
    """flask-smorest with the seed's error envelope: our app-wide handlers answer errors."""

    def _register_error_handlers(self) -> None:
        pass


api = ShopApi()


def register_api(app: Flask) -> None:
    from api.health import bp as health_bp
    from api.v1 import bp as v1_bp

    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api.init_app(app)
    api.register_blueprint(v1_bp)
    app.register_blueprint(health_bp)
    # The API authenticates with tokens, not cookies, so CSRF does not apply.
    csrf.exempt(v1_bp)
