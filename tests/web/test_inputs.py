"""The input rules at each door (shop/infra/inputs.py): what a shopper, a staff member or an API
client gets for an id past 32 bits, a huge page number, a NUL or a lone surrogate, a date out
of range, a method a URL does not take, and a URL that does not exist. tests/web/test_input_sweep.py
sends the same values to every route; these check the answers themselves."""

from __future__ import annotations

import pytest

from shop.infra.inputs import MAX_ID, IdConverter
from tests.admin.helpers import staff_page_client, token
from tests.factories import AdminFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import csrf_token, post_form, sign_in

BIG = 2147483648
HUGE_PAGE = "9223372036854775807"
BAD_TEXT = "This contains a character that is not allowed (such as a NUL character)."
BAD_TEXT_KM = "ទិន្នន័យនេះមានតួអក្សរដែលមិនត្រូវបានអនុញ្ញាត (ដូចជាតួអក្សរ NUL)។"
DAY_RANGE = "Must be a date from 1900-01-01 to 2100-12-31."


def details(response) -> dict:
    body = response.get_json()
    assert body["success"] is False
    return body["error"].get("details") or {}


def test_every_int_path_variable_takes_only_database_ids(app):
    converters = [
        converter
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if type(converter).__name__ == "IdConverter"
    ]
    assert len(converters) > 50
    assert all(isinstance(c, IdConverter) and (c.min, c.max) == (1, MAX_ID) for c in converters)


@pytest.mark.parametrize("bad", [BIG, 0, 9223372036854775807])
def test_an_id_past_32_bits_or_zero_in_a_path_is_a_404(client, db, bad):
    product = ProductFactory()
    assert client.get(f"/api/v1/products/{product.id}").status_code == 200
    response = client.get(f"/api/v1/products/{bad}")
    assert response.status_code == 404
    assert response.get_json()["success"] is False
    assert client.get(f"/orders/{bad}").status_code == 404
    assert client.get(f"/ml/v1/recommendations/product/{bad}/similar").status_code == 404


def test_an_id_past_32_bits_in_a_json_body_is_a_422_naming_the_field(client, db):
    customer = UserFactory()
    response = client.post("/api/v1/cart/add", json={"product_id": BIG}, headers=token(customer))
    assert response.status_code == 422
    assert "product_id" in details(response)["json"]
    admin = AdminFactory()
    for path, body, name in (
        ("/api/v1/admin/products/bulk-delete", {"ids": [1, BIG]}, "ids"),
        ("/api/v1/admin/reviews/bulk-approve", {"ids": [BIG]}, "ids"),
        ("/api/v1/admin/categories", {"name": "Toners", "parent_id": BIG}, "parent_id"),
    ):
        response = client.post(path, json=body, headers=token(admin))
        assert response.status_code == 422, (path, response.get_json())
        assert name in details(response)["json"], (path, response.get_json())


def test_an_id_past_32_bits_in_a_query_is_a_422_in_the_api(client, db):
    admin = AdminFactory()
    response = client.get(f"/api/v1/admin/reviews?product_id={BIG}", headers=token(admin))
    assert response.status_code == 422
    assert "product_id" in details(response)["query"]
    response = client.get(f"/api/v1/admin/products?category={BIG}", headers=token(admin))
    assert response.status_code == 422
    assert "category" in details(response)["query"]


def test_an_id_past_32_bits_in_an_admin_filter_lists_nothing_odd(client, db):
    staff_page_client(client, AdminFactory())
    assert client.get(f"/admin/products?category={BIG}").status_code == 200


def test_a_huge_page_number_is_refused_at_every_door(client, db):
    response = client.get(f"/api/v1/products?page={HUGE_PAGE}")
    assert response.status_code == 422
    assert "page" in details(response)["query"]
    assert client.get(f"/shop?page={HUGE_PAGE}").status_code == 400
    assert client.get(f"/shop?q=serum&page={HUGE_PAGE}").status_code == 400
    staff_page_client(client, AdminFactory())
    for path in ("/admin/orders", "/admin/products", "/admin/customers", "/admin/reviews", "/admin/coupons"):
        assert client.get(f"{path}?page={HUGE_PAGE}").status_code == 400, path


def test_a_nul_in_a_path_or_query_is_a_400_naming_the_field(client, db):
    response = client.get("/products/%00")
    assert response.status_code == 400
    assert BAD_TEXT in response.text
    response = client.get("/api/v1/products/search?q=a%00b")
    assert response.status_code == 400
    assert details(response) == {"q": [BAD_TEXT]}
    assert client.get("/shop?q=%00").status_code == 400


def test_a_lone_surrogate_in_json_is_a_400_naming_the_field_in_the_shoppers_language(client, db):
    response = client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "\ud800"})
    assert response.status_code == 400
    assert details(response) == {"password": [BAD_TEXT]}
    response = client.post(
        "/api/v1/auth/login?lang=km", json={"email": "a@example.com", "password": "x", "extra": ["ok", "\x00"]}
    )
    assert response.status_code == 400
    assert details(response) == {"extra[1]": [BAD_TEXT_KM]}


def test_a_nul_in_a_posted_form_is_a_400_and_changes_nothing(client, db):
    customer = UserFactory(first_name="Sokha")
    sign_in(client, customer.email)
    response = post_form(client, "/account/profile", {"first_name": "So\x00kha", "last_name": "Chan"})
    assert response.status_code == 400
    assert BAD_TEXT in response.text
    db.session.expire_all()
    assert customer.first_name == "Sokha"


def test_a_date_out_of_range_is_a_422_in_the_api(client, db):
    admin = AdminFactory()
    for day in ("0001-01-01", "9999-12-31"):
        response = client.get(f"/ml/v1/analytics/performance-metrics?date_from={day}", headers=token(admin))
        assert response.status_code == 422
        assert details(response)["query"] == {"date_from": [DAY_RANGE]}
        response = client.get(f"/api/v1/admin/orders?date_to={day}", headers=token(admin))
        assert response.status_code == 422
        assert details(response)["query"] == {"date_to": [DAY_RANGE]}


def test_a_date_out_of_range_is_a_field_error_on_the_staff_pages(client, db):
    staff_page_client(client, AdminFactory())
    for path in ("/admin/orders?date_from=0001-01-01", "/admin/analytics?end=9999-12-31"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert DAY_RANGE in response.text


def test_a_method_not_allowed_says_which_are(client, db):
    response = client.delete("/api/v1/products")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD", "OPTIONS"}
    assert response.get_json()["success"] is False
    response = client.put("/shop")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_an_unknown_url_is_a_404_not_a_missing_security_token(client, db, method):
    response = client.open("/api/v1/no-such-thing", method=method, json={})
    assert response.status_code == 404
    assert response.get_json()["success"] is False
    response = client.open("/no-such-page", method=method, data={})
    assert response.status_code == 404
    # A page that exists still needs its token.
    assert client.post("/account/profile", data={}).status_code == 400


def test_json_nested_too_deep_to_parse_is_a_400(client, db):
    deep = "[" * 50_000 + "]" * 50_000
    response = client.post("/api/v1/auth/login", data=deep, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["success"] is False


@pytest.mark.parametrize("price", ["99999999999999999999999999", "1e400", "-1", "NaN"])
def test_a_price_filter_no_column_can_hold_is_refused(client, db, price):
    assert client.get(f"/shop?min_price={price}").status_code == 400
    assert client.get(f"/api/v1/products?max_price={price}").status_code == 422


def test_cookies_holding_a_nul_are_not_a_server_error(client, db):
    """A cookie can carry any character (`"\\000"` is a NUL once parsed); the shop's cookies are
    checked where they are read (a browser id is signed, a province must be one of the list)."""
    product = ProductFactory()
    for name in ("lang", "province", "last_search", "remember_token", "session", "browser"):
        client.set_cookie(name, "a\x00b")
    for path in ("/", "/shop?q=serum", f"/products/{product.slug}", "/cart", "/checkout", "/account/login"):
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize(
    ("listing", "path", "fields"),
    [
        ("/admin/orders", "/admin/orders/bulk", {"status": "confirmed"}),
        ("/admin/products", "/admin/products/bulk", {"action": "archive"}),
        ("/admin/reviews", "/admin/reviews/bulk", {"action": "approve"}),
        ("/admin/coupons", "/admin/coupons/bulk", {"status": "inactive"}),
    ],
)
def test_staff_bulk_actions_skip_ids_no_record_can_have(client, db, listing, path, fields):
    """A forged id (past 32 bits, or digits that are not ASCII such as "²") next to valid choices
    is no server error: it is not an id, so no record has it."""
    staff_page_client(client, AdminFactory())
    token_value = csrf_token(client, listing)
    response = client.post(path, data={**fields, "ids": [str(BIG), "²", "٣"], "csrf_token": token_value})
    assert response.status_code < 500, response.status_code


def test_staff_whole_number_filters_refuse_what_is_not_an_id(client, db):
    staff_page_client(client, AdminFactory())
    for value in (str(BIG), "²", "0", "-1"):
        assert client.get(f"/admin/reviews?product={value}").status_code == 400
        assert client.get(f"/admin/reviews?rating={value}").status_code == 400
    assert client.get("/admin/reviews?product=12&rating=5").status_code == 200


def test_the_openapi_document_gives_the_id_range(app):
    """A client generated from the document (or schemathesis) knows the bounds."""
    with app.app_context():
        spec = app.extensions["shop_api"].spec.to_dict()
    path = spec["paths"]["/api/v1/products/{product_id}"]
    (parameter,) = path.get("parameters") or path["get"]["parameters"]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    body = spec["paths"]["/api/v1/cart/add"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in body:
        body = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert body["properties"]["product_id"]["minimum"] == 1
    assert body["properties"]["product_id"]["maximum"] == MAX_ID
