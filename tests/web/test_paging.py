"""One rule for page numbers at every door, and one pager: a bad page is a 400 page (with the
reason, in the shopper's language) in the storefront and the admin, and a 422 envelope in the
API; a huge number never reaches SQL. The pager keeps the listing's filters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.catalog.models import ProductStatus
from shop.infra.columns import utcnow
from tests.admin.helpers import staff_page_client, token
from tests.factories import AdminFactory, OrderFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in, translated

NO_SUCH_PAGE = "There is no such page. Page numbers are whole numbers from 1."
BAD_PAGES = ["0", "-2", "abc", "1.5", "9223372036854775807"]


@pytest.mark.parametrize("raw", BAD_PAGES)
def test_a_bad_page_is_a_400_page_in_the_storefront(client, db, raw):
    ProductFactory()
    page = client.get(f"/shop?page={raw}")
    assert page.status_code == 400
    assert NO_SUCH_PAGE in page.text


def test_the_bad_page_message_is_in_khmer_too(app, client, db):
    page = client.get("/shop?page=abc&lang=km")
    assert page.status_code == 400
    assert translated(app, NO_SUCH_PAGE) in page.text


def test_a_page_past_the_end_is_404_in_the_storefront(client, db):
    ProductFactory()
    assert client.get("/shop?page=2").status_code == 404
    assert client.get("/shop?page=1000000").status_code == 404  # the largest page number: a plain "not found"


def test_signed_in_listings_follow_the_same_rule(client, db):
    user = UserFactory()
    sign_in(client, user.email)
    for url in ("/orders", "/account/reviews"):
        bad = client.get(f"{url}?page=9223372036854775807")
        assert bad.status_code == 400 and NO_SUCH_PAGE in bad.text, url
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("url", ["/admin/orders", "/admin/products", "/admin/customers", "/admin/coupons"])
@pytest.mark.parametrize("raw", ["x", "-1", "9223372036854775807"])
def test_a_bad_page_is_a_400_page_in_the_admin(client, db, url, raw):
    staff_page_client(client, AdminFactory())
    page = client.get(f"{url}?page={raw}")
    assert page.status_code == 400
    assert NO_SUCH_PAGE in page.text


@pytest.mark.parametrize("url", ["/api/v1/products", "/api/v1/products/search?q=cream", "/api/v1/admin/orders"])
@pytest.mark.parametrize("raw", ["0", "abc", "9223372036854775807"])
def test_a_bad_page_is_a_422_envelope_in_the_api(client, db, url, raw):
    headers = token(AdminFactory())
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}page={raw}", headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["success"] is False
    assert body["error"]["details"] == {"query": {"page": [NO_SUCH_PAGE]}}


def test_the_api_page_message_in_khmer(app, client, db):
    response = client.get("/api/v1/products?page=abc", headers={"Accept-Language": "km"})
    assert response.get_json()["error"]["details"] == {"query": {"page": [translated(app, NO_SUCH_PAGE)]}}


def test_the_api_pages_orders_with_the_seeds_fields_from_the_page(client, db):
    shopper = UserFactory()
    now = utcnow()
    for n in range(3):
        OrderFactory(user=shopper, order_number=f"SK-P-{n}", created_at=now - timedelta(days=n))
    body = client.get("/api/v1/orders?page=2&limit=2", headers=token(shopper)).get_json()["data"]
    assert [o["order_number"] for o in body["data"]] == ["SK-P-2"]
    assert {k: v for k, v in body.items() if k != "data"} == {
        "current_page": 2,
        "per_page": 2,
        "total_pages": 2,
        "total_items": 3,
        "has_next_page": False,
        "has_prev_page": True,
    }


def test_the_admin_pager_keeps_the_filters(client, db):
    staff_page_client(client, AdminFactory())
    for n in range(26):
        ProductFactory(name_en=f"Active {n:02d}")
    ProductFactory(name_en="A draft", status=ProductStatus.DRAFT)
    first = client.get("/admin/products?status=active").text
    assert "Page 1 of 2" in first
    assert 'rel="next" href="/admin/products?status=active&amp;page=2"' in first
    second = client.get("/admin/products?status=active&page=2").text
    assert "Page 2 of 2" in second and 'rel="prev" href="/admin/products?status=active&amp;page=1"' in second
    assert "A draft" not in second


def test_the_storefront_pager_swaps_the_results_over_htmx(client, db):
    for n in range(30):
        ProductFactory(name_en=f"Toner {n:02d}")
    page = client.get("/shop?sort=newest").text
    assert (
        '<a rel="next" href="/shop?sort=newest&amp;page=2" hx-get="/shop?sort=newest&amp;page=2"'
        ' hx-target="#catalog-results" hx-swap="outerHTML" hx-push-url="true">'
    ) in page
