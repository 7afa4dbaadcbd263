"""Coupons for admins: create and edit with every seed field checked, statistics and usage,
status of several at once, delete (refused once used); pages and /api/v1/admin/coupons*."""

from __future__ import annotations

import html
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.coupons.models import Coupon, CouponStatus, CouponType
from shop.orders.models import OrderStatus
from tests.admin.helpers import audit_entries, csrf_token, staff_page_client, token
from tests.factories import (
    AdminFactory,
    CategoryFactory,
    CouponFactory,
    CouponUsageFactory,
    ModeratorFactory,
    OrderFactory,
    ProductFactory,
    UserFactory,
)
from tests.web.test_account_pages import khmer, post_form

TODAY = date.today()


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Coupon))


def full_coupon(**overrides) -> dict:
    product = ProductFactory()
    category = CategoryFactory(slug="serums")
    body = {
        "code": "glow15",
        "name": "Glow week",
        "description": "15% off serums",
        "type": "percentage",
        "value": "15",
        "max_discount": "10.00",
        "usage_limit": 100,
        "usage_limit_per_user": 2,
        "min_order_value": "20.00",
        "applicable_products": [product.id],
        "applicable_categories": [category.slug],
        "status": "active",
        "is_first_time_only": True,
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + timedelta(days=7)).isoformat(),
    }
    return {**body, **overrides}


# ---------------------------------------------------------------- JSON


def test_create_with_every_seed_field(client, db):
    admin = AdminFactory()
    body = full_coupon()
    response = client.post("/api/v1/admin/coupons", json=body, headers=token(admin))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["code"] == "GLOW15"  # codes are stored in capitals
    for field in ("name", "description", "type", "usage_limit", "usage_limit_per_user", "status"):
        assert data[field] == body[field], field
    assert (data["value"], data["max_discount"], data["min_order_value"]) == ("15.00", "10.00", "20.00")
    assert data["applicable_products"] == body["applicable_products"]
    assert data["applicable_categories"] == ["serums"]
    assert (data["is_first_time_only"], data["start_date"], data["end_date"]) == (
        True,
        body["start_date"],
        body["end_date"],
    )
    assert data["used_count"] == 0
    assert list(data) == [  # the order the API has always answered in (api/admin_coupons.coupon_json)
        "id", "code", "name", "description", "type", "value", "max_discount", "usage_limit", "used_count",
        "usage_limit_per_user", "min_order_value", "applicable_products", "applicable_categories", "status",
        "is_first_time_only", "start_date", "end_date", "created_at", "updated_at",
    ]  # fmt: skip
    [entry] = audit_entries(db, "coupon.create")
    assert entry.after["code"] == "GLOW15" and entry.actor_id == admin.id


@pytest.mark.parametrize(
    ("overrides", "field", "english"),
    [
        ({"value": "120"}, "value", "A percentage must be at most 100."),
        ({"value": "0"}, "value", "Must be more than 0."),
        ({"value": None}, "value", "This field is required."),
        ({"type": "fixed", "max_discount": "5.00"}, "max_discount", "Only percentage coupons have a maximum discount."),
        (
            {"usage_limit": 1, "usage_limit_per_user": 2},
            "usage_limit_per_user",
            "The limit per customer cannot be more than the total limit.",
        ),
        ({"applicable_products": [987654]}, "applicable_products", "Unknown products: 987654."),
        ({"applicable_categories": ["nowhere"]}, "applicable_categories", "Unknown categories: nowhere."),
        (
            {"end_date": (TODAY - timedelta(days=1)).isoformat()},
            "end_date",
            "The end date must be on or after the start date.",
        ),
        ({"code": "no spaces!"}, "code", "Use 2 to 50 capital letters, digits, hyphens or underscores."),
    ],
)
def test_the_coupon_rules_refuse_bad_values_in_english_and_khmer(app, client, db, overrides, field, english):
    admin = AdminFactory()
    body = full_coupon(**overrides)
    response = client.post("/api/v1/admin/coupons", json=body, headers=token(admin))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {field: [english]}
    km = client.post("/api/v1/admin/coupons?lang=km", json=body, headers=token(admin))
    assert km.status_code == 400
    assert km.get_json()["error"]["details"] == {field: [km.get_json()["message"]]}
    assert km.get_json()["message"] != english  # said in Khmer
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "english"),
    [
        ({"type": "bogus"}, "type", "Must be one of: percentage, fixed, free_shipping."),
        ({"value": "-1"}, "value", "Must be between 0 and 1000000.00."),
        ({"usage_limit": 0}, "usage_limit", "Must be between 1 and 10000000."),
        ({"usage_limit": "ten"}, "usage_limit", "Must be a whole number."),
        ({"start_date": "tomorrow"}, "start_date", "Must be a date (YYYY-MM-DD)."),
        ({"used_count": 5}, "used_count", "Unknown field."),
    ],
)
def test_bad_shapes_are_422(client, db, overrides, field, english):
    response = client.post("/api/v1/admin/coupons", json=full_coupon(**overrides), headers=token(AdminFactory()))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"json": {field: [english]}}
    assert _count(db) == 0


def test_codes_are_unique_whatever_the_case(client, db):
    CouponFactory(code="SAVE10")
    response = client.post("/api/v1/admin/coupons", json=full_coupon(code="save10"), headers=token(AdminFactory()))
    assert response.status_code == 409
    assert response.get_json()["message"] == "A coupon with this code already exists."


def test_free_shipping_needs_no_value_and_update_keeps_other_fields(client, db):
    admin = AdminFactory()
    created = client.post(
        "/api/v1/admin/coupons",
        json={"code": "SHIPFREE", "name": "Free delivery", "type": "free_shipping"},
        headers=token(admin),
    ).get_json()["data"]
    assert (created["value"], created["usage_limit_per_user"], created["status"]) == ("0.00", 1, "active")
    updated = client.put(
        f"/api/v1/admin/coupons/{created['id']}", json={"name": "Free delivery week"}, headers=token(admin)
    )
    assert updated.status_code == 200
    data = updated.get_json()["data"]
    assert (data["name"], data["code"], data["type"]) == ("Free delivery week", "SHIPFREE", "free_shipping")
    [entry] = audit_entries(db, "coupon.update")
    assert (entry.before, entry.after) == ({"name": "Free delivery"}, {"name": "Free delivery week"})


def test_the_limit_cannot_go_below_the_uses(client, db):
    coupon = CouponFactory(usage_limit=10, used_count=4)
    response = client.put(f"/api/v1/admin/coupons/{coupon.id}", json={"usage_limit": 3}, headers=token(AdminFactory()))
    assert response.status_code == 400
    assert response.get_json()["message"] == "This coupon has been used 4 times: the limit cannot be lower."


def test_stats_and_usage(client, db):
    admin = AdminFactory()
    coupon = CouponFactory(code="TENOFF", used_count=3)
    shopper = UserFactory(email="buyer@example.com")
    kept = OrderFactory(
        user=shopper, subtotal=Decimal("40.00"), discount_amount=Decimal("4.00"), status=OrderStatus.DELIVERED
    )
    also = OrderFactory(user=shopper, subtotal=Decimal("20.00"), discount_amount=Decimal("2.00"))
    refunded = OrderFactory(
        user=shopper, subtotal=Decimal("30.00"), discount_amount=Decimal("3.00"), status=OrderStatus.REFUNDED
    )
    for order in (kept, also, refunded):
        CouponUsageFactory(
            coupon_id=coupon.id, user_id=shopper.id, order_id=order.id, discount_amount=order.discount_amount
        )
    CouponUsageFactory(discount_amount=Decimal("1.00"))  # another coupon's
    one = client.get(f"/api/v1/admin/coupons/{coupon.id}", headers=token(admin)).get_json()["data"]
    revenue = kept.total + also.total
    assert one["stats"] == {"uses": 3, "discount_given": "9.00", "orders": 2, "revenue": f"{revenue:.2f}"}
    usage = client.get(f"/api/v1/admin/coupons/{coupon.id}/usage?limit=2", headers=token(admin)).get_json()["data"]
    assert (usage["total_items"], len(usage["data"])) == (3, 2)
    assert usage["data"][0]["user_email"] == "buyer@example.com" and usage["data"][0]["order_number"]
    overall = client.get("/api/v1/admin/coupons/stats", headers=token(admin)).get_json()["data"]
    assert (overall["uses"], overall["discount_given"]) == (4, "10.00")
    assert overall["top"][0]["code"] == "TENOFF" and overall["top"][0]["stats"]["uses"] == 3
    assert overall["by_status"]["active"] == 2
    page = client.get(f"/admin/coupons/{coupon.id}")
    assert page.status_code == 302  # pages need a session


def test_delete_refuses_a_used_coupon_and_deletes_an_unused_one(client, db):
    admin = AdminFactory()
    used = CouponFactory(used_count=1)
    CouponUsageFactory(coupon_id=used.id)
    refused = client.delete(f"/api/v1/admin/coupons/{used.id}", headers=token(admin))
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "This coupon has been used, so it cannot be deleted. Deactivate it instead."
    unused_id = CouponFactory().id
    assert client.delete(f"/api/v1/admin/coupons/{unused_id}", headers=token(admin)).status_code == 200
    assert _count(db) == 1
    [entry] = audit_entries(db, "coupon.delete")
    assert entry.entity_id == str(unused_id) and entry.before["code"]


def test_bulk_status_update(client, db):
    admin = AdminFactory()
    a, b = CouponFactory(), CouponFactory()
    response = client.post(
        "/api/v1/admin/coupons/bulk-update", json={"ids": [a.id, b.id], "status": "inactive"}, headers=token(admin)
    )
    assert [c["status"] for c in response.get_json()["data"]] == ["inactive", "inactive"]
    assert len(audit_entries(db, "coupon.status")) == 2
    missing = client.post(
        "/api/v1/admin/coupons/bulk-update", json={"ids": [a.id, 987654], "status": "active"}, headers=token(admin)
    )
    assert missing.status_code == 404
    db.session.expire_all()
    assert db.session.get(Coupon, a.id).status == CouponStatus.INACTIVE


def test_moderators_cannot_manage_coupons(client, db):
    assert client.get("/api/v1/admin/coupons", headers=token(ModeratorFactory())).status_code == 403


# ---------------------------------------------------------------- pages


def test_create_and_edit_on_the_pages(app, client, db):
    staff_page_client(client, AdminFactory())
    CategoryFactory(name="Serums", slug="serums")
    form = {
        "code": "SERUM5",
        "name": "Five off serums",
        "description": "",
        "type": "fixed",
        "value": "5.00",
        "max_discount": "",
        "min_order_value": "25",
        "usage_limit": "50",
        "usage_limit_per_user": "1",
        "applicable_products": "",
        "applicable_categories": "serums",
        "status": "active",
        "start_date": TODAY.isoformat(),
        "end_date": "",
    }
    bad = post_form(client, "/admin/coupons/new", {**form, "value": "five"})
    assert bad.status_code == 422 and 'id="value-error">Must be a number.<' in bad.text
    bad_km = post_form(client, "/admin/coupons/new?lang=km", {**form, "type": "percentage", "value": "150"})
    assert bad_km.status_code == 400
    assert khmer(app, "A percentage must be at most 100.") in html.unescape(bad_km.text)
    assert _count(db) == 0
    client.get("/admin/coupons?lang=en")  # the language choice sticks to the session

    created = post_form(client, "/admin/coupons/new", form)
    assert created.status_code == 303
    coupon = db.session.scalar(sa.select(Coupon))
    assert (coupon.type, coupon.value, coupon.applicable_categories) == (CouponType.FIXED, Decimal("5.00"), ["serums"])
    detail = client.get(created.headers["Location"])
    assert "SERUM5" in detail.text and "Nobody has used this coupon yet." in detail.text

    edit_url = f"/admin/coupons/{coupon.id}/edit"
    assert 'value="SERUM5"' in client.get(edit_url).text
    assert post_form(client, edit_url, {**form, "name": "Five off", "is_first_time_only": "y"}).status_code == 303
    db.session.expire_all()
    assert (coupon.name, coupon.is_first_time_only) == ("Five off", True)


def test_list_bulk_and_delete_on_the_pages(client, db):
    staff_page_client(client, AdminFactory())
    used = CouponFactory(code="USEDONE", used_count=1)
    CouponUsageFactory(coupon_id=used.id)
    fresh = CouponFactory(code="FRESH")
    page = client.get("/admin/coupons")
    assert "USEDONE" in page.text and "FRESH" in page.text
    assert "FRESH" not in client.get("/admin/coupons?q=used").text
    token_value = csrf_token(client, "/admin/coupons")
    client.post("/admin/coupons/bulk", data={"csrf_token": token_value, "ids": [str(used.id)], "status": "expired"})
    db.session.expire_all()
    assert used.status == CouponStatus.EXPIRED
    refused = client.post(f"/admin/coupons/{used.id}/delete", data={"csrf_token": token_value})
    assert refused.status_code == 303
    assert "cannot be deleted" in html.unescape(client.get(refused.headers["Location"]).text)
    assert client.post(f"/admin/coupons/{fresh.id}/delete", data={"csrf_token": token_value}).status_code == 303
    assert _count(db) == 1
    assert client.get("/admin/coupons?type=weird").status_code == 400
