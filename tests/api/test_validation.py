"""Validation errors: 422 in the seed's envelope, with field messages in the request's language."""

from __future__ import annotations

import pytest
from flask_smorest import Blueprint

from api.pagination import PaginationQuery, paginated_page
from shop.paging import Page
from web.envelope import success_response

probe = Blueprint("probe", __name__, url_prefix="/api/v1/probe")


@probe.route("/items")
@probe.arguments(PaginationQuery, location="query")
def items(query):
    return success_response(paginated_page(Page(list(range(query["limit"])), query["page"], query["limit"], 45)))


@pytest.fixture
def probe_client(make_app, database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    app.extensions["shop_api"].register_blueprint(probe)
    return app.test_client()


def test_pagination_response_has_the_seeds_fields(probe_client):
    body = probe_client.get("/api/v1/probe/items?page=2&limit=20").get_json()
    assert body["success"] is True
    assert body["data"] == {
        "data": list(range(20)),
        "current_page": 2,
        "per_page": 20,
        "total_pages": 3,
        "total_items": 45,
        "has_next_page": True,
        "has_prev_page": True,
    }


@pytest.mark.parametrize(
    ("query", "field", "english"),
    [
        ("page=0", "page", "There is no such page. Page numbers are whole numbers from 1."),
        ("page=-3", "page", "There is no such page. Page numbers are whole numbers from 1."),
        ("page=abc", "page", "There is no such page. Page numbers are whole numbers from 1."),
        ("page=1000001", "page", "There is no such page. Page numbers are whole numbers from 1."),
        ("limit=1000", "limit", "Must be between 1 and 100."),
        ("limit=abc", "limit", "Must be a whole number."),
        ("order=sideways", "order", "Must be asc or desc."),
    ],
)
def test_bad_query_is_422_with_field_messages(probe_client, query, field, english):
    response = probe_client.get(f"/api/v1/probe/items?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["success"] is False
    assert body["message"] == "Some of what you entered is not valid."
    assert body["error"]["details"] == {"query": {field: [english]}}


def test_field_messages_in_khmer(probe_client):
    response = probe_client.get("/api/v1/probe/items?limit=abc", headers={"Accept-Language": "km"})
    body = response.get_json()
    assert body["message"] == "ព័ត៌មានខ្លះដែលអ្នកបានបញ្ចូលមិនត្រឹមត្រូវទេ។"
    assert body["error"]["details"] == {"query": {"limit": ["ត្រូវតែជាចំនួនគត់។"]}}
