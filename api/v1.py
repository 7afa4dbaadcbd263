"""The `/api/v1` blueprint; each domain adds its routes here."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import fields

from api.schemas import envelope, schema
from web.envelope import success_response

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1", description="Skincare Shop API v1")


RootEnvelope = envelope(
    "ApiRootEnvelope", fields.Nested(schema("ApiRoot", version=fields.String(), openapi=fields.String()))
)


@bp.route("/")
@bp.response(200, RootEnvelope)
def index():
    """API root: version and where the OpenAPI document is."""
    return success_response({"version": "v1", "openapi": url_for("api-docs.openapi_json")})
