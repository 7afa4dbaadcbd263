"""The routes outside flask-smorest, in the OpenAPI document too: the health checks
(`/health`, `/health/ready`), the ML service's health and Prometheus metrics (`/ml/health`,
`/ml/metrics`), and the document itself (`/api/v1/openapi.json`). They answer plain JSON (no
envelope), as load balancers and monitors expect."""

from __future__ import annotations

from typing import Any

from flask_smorest import Api
from marshmallow import Schema, fields
from werkzeug.routing import Rule


class LiveSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok"]})


class CheckSchema(Schema):
    ok = fields.Boolean(required=True)
    detail = fields.String(allow_none=True)


class ReadySchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "unavailable"]})
    failing = fields.List(fields.String(), required=True, metadata={"description": "The parts that failed"})
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema), required=True)


class MongoStateSchema(Schema):
    ok = fields.Boolean(required=True)
    detail = fields.String(required=True)


class EventBufferSchema(Schema):
    depth = fields.Integer(required=True)
    ingested = fields.Integer(required=True)
    dropped = fields.Integer(required=True)
    last_error = fields.String(allow_none=True)


class MlHealthSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "degraded"]})
    mongo = fields.Nested(MongoStateSchema, required=True)
    event_buffer = fields.Nested(EventBufferSchema, required=True)
    last_rollup = fields.String(allow_none=True, metadata={"description": "When the metrics were last rolled up"})


def _json(description: str, schema: Any) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path(spec: Any, path: str, operations: dict[str, Any]) -> None:
    for operation in operations.values():
        operation["responses"]["default"] = "DEFAULT_ERROR"  # 405, 429, ...: the error envelope
    spec.path(rule=Rule(path), operations=operations)


def document_plain_routes(api: Api) -> None:
    """Add the routes flask-smorest does not serve to the document."""
    spec = api.spec
    assert spec is not None
    spec.tag({"name": "health", "description": "Health checks, metrics and this document"})
    _path(
        spec,
        "/health",
        operations={
            "get": {"tags": ["health"], "summary": "Liveness", "responses": {"200": _json("Alive", LiveSchema)}}
        },
    )
    _path(
        spec,
        "/health/ready",
        operations={
            "get": {
                "tags": ["health"],
                "summary": "Readiness: the database, Redis and MongoDB",
                "responses": {
                    "200": _json("Every part works", ReadySchema),
                    "503": _json("`failing` names the parts that do not", ReadySchema),
                },
            }
        },
    )
    _path(
        spec,
        "/ml/health",
        operations={
            "get": {
                "tags": ["health"],
                "summary": "The ML service: MongoDB, the event buffer, the last rollup",
                "responses": {
                    "200": _json("MongoDB reachable", MlHealthSchema),
                    "503": _json("MongoDB unreachable", MlHealthSchema),
                },
            }
        },
    )
    _path(
        spec,
        "/ml/metrics",
        operations={
            "get": {
                "tags": ["health"],
                "summary": "Prometheus metrics (text exposition format)",
                "responses": {
                    "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}
                },
            }
        },
    )
    _path(
        spec,
        "/api/v1/openapi.json",
        operations={
            "get": {
                "tags": ["health"],
                "summary": "This OpenAPI document",
                "responses": {
                    "200": _json(
                        "OpenAPI 3.0.3",
                        {"type": "object", "required": ["openapi", "info", "paths"], "additionalProperties": True},
                    )
                },
            }
        },
    )
