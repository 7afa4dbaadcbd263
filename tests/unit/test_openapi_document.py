"""The OpenAPI document is one a client can be generated from: valid numbers for bounds, a
schema for every success answer, the error envelope the API really sends, and the routes
outside flask-smorest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> dict[str, Any]:
    from tests.conftest import build_app

    tmp = tmp_path_factory.mktemp("doc")
    app = build_app(tmp, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'doc.db'}", REDIS_URL=None)
    return app.test_client().get("/api/v1/openapi.json").get_json()


def walk(node: Any, where: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield where, key, value
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def test_bounds_are_numbers_never_strings(document):
    bounds = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    strings = [
        f"{where}/{key} = {value!r}" for where, key, value in walk(document) if key in bounds and isinstance(value, str)
    ]
    assert strings == []
    # The Decimal bounds are there, as numbers.
    price = document["paths"]["/api/v1/products"]["get"]["parameters"]
    [max_price] = [p for p in price if p["name"] == "max_price"]
    assert max_price["schema"]["maximum"] == 100000


def test_every_operation_documents_a_success_answer_with_a_schema(document):
    missing = [
        f"{method} {path}"
        for method, path, operation in operations(document)
        if not any(
            code.startswith("2") and response.get("content") for code, response in operation["responses"].items()
        )
    ]
    assert missing == []
    assert len(list(operations(document))) > 130


def test_errors_are_documented_with_the_envelope_the_api_sends(document):
    schemas = document["components"]["schemas"]
    envelope = schemas["ErrorEnvelope"]
    assert envelope["required"] == ["error", "message", "success"]
    assert set(envelope["properties"]) == {"success", "message", "error"}
    detail = schemas["ErrorDetail"]
    assert {"code", "request_id", "details"} <= set(detail["properties"])
    assert "Error" not in schemas  # flask-smorest's {code, status, message, errors} is gone
    for name, response in document["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, name
    for method, path, operation in operations(document):
        for code, response in operation["responses"].items():
            if code == "default" or code.startswith(("4", "5")):
                ref = response.get("$ref") or response["content"]["application/json"]["schema"].get("$ref")
                assert ref in (
                    "#/components/responses/DEFAULT_ERROR",
                    "#/components/responses/UNPROCESSABLE_ENTITY",
                    "#/components/schemas/ErrorEnvelope",
                    "#/components/schemas/Ready",
                    "#/components/schemas/MlHealth",
                ), f"{method} {path} {code}"


def test_money_is_one_string_field(document):
    order = document["components"]["schemas"]["OrderSummary"]["properties"]
    assert order["total"] == {
        "type": "string",
        "format": "decimal",
        "pattern": r"^-?[0-9]+\.[0-9]{2}$",
        "example": "12.50",
    }
    product = document["components"]["schemas"]["ProductSummary"]["properties"]
    assert product["price"]["format"] == "decimal"


def test_the_routes_outside_flask_smorest_are_documented(document):
    for path in ("/health", "/health/ready", "/ml/health", "/ml/metrics", "/api/v1/openapi.json"):
        assert "200" in document["paths"][path]["get"]["responses"], path
    assert "text/plain" in document["paths"]["/ml/metrics"]["get"]["responses"]["200"]["content"]


def test_shipping_methods_keep_their_first_fields(document):
    method = document["components"]["schemas"]["ShippingMethod"]
    assert {"code", "label", "rate_phnom_penh", "rate_province", "zones"} <= set(method["properties"])
