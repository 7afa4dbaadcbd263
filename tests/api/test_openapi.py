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


def test_api_is_rate_limited_per_ip_with_the_seed_settings(make_app, database_url):
    from datetime import timedelta

    app = make_app(SQLALCHEMY_DATABASE_URI=database_url, RATE_LIMIT_REQUESTS=3, RATE_LIMIT_WINDOW=timedelta(seconds=60))
    client = app.test_client()
    assert [client.get("/api/v1/").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/?lang=km")
    assert limited.status_code == 429
    assert limited.get_json()["message"] == "អ្នកបានផ្ញើសំណើច្រើនពេក។ សូមរង់ចាំបន្តិច រួចព្យាយាមម្តងទៀត។"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # Pages and health checks are not under the API limit.
    assert client.get("/health").status_code == 200


def test_a_method_not_allowed_is_405_with_allow(client):
    response = client.delete("/api/v1/products")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_json()["error"]["code"] == 405
    assert "GET" in client.post("/health").headers["Allow"]


def test_an_unknown_api_url_is_404_whatever_the_method(client):
    for method in ("get", "post", "put", "delete"):
        response = getattr(client, method)("/api/v1/no-such-thing")
        assert response.status_code == 404, method
        assert response.get_json()["success"] is False
