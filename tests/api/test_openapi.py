"""The API root and its OpenAPI document."""

from __future__ import annotations


def test_api_root_uses_the_envelope_and_points_at_the_openapi_document(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.get_json() == {
        "success": True,
        "message": "",
        "data": {"version": "v1", "openapi": "/api/v1/openapi.json"},
    }


def test_openapi_document_is_served(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.0.3"
    assert document["info"]["title"] == "Skincare Shop API"
    assert "/api/v1/" in document["paths"]
