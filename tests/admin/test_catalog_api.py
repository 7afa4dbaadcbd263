"""Products and categories over the staff API: editing, photos, bulk changes, caches, reorder."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from PIL import Image

from shop.audit.models import AuditLog
from shop.catalog.models import Category, Product, ProductImage, ProductStatus
from tests.factories import CategoryFactory, OrderItemFactory, ProductFactory


def _png(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(out, "PNG")
    return out.getvalue()


def _new_product(category, **extra):
    return {"name_en": "Snail Essence", "sku": "SN-1", "price": "18.00", "category_ids": [category.id], **extra}


def test_create_and_update_a_product_with_audit(client, db, admin_headers, category, admin):
    response = client.post(
        "/api/v1/admin/products", json=_new_product(category, name_kh="ទឹកខ្យង"), headers=admin_headers
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert (data["slug"], data["status"], data["price"], data["category"]) == (
        "snail-essence",
        "draft",
        "18.00",
        "toners",
    )
    updated = client.put(
        f"/api/v1/admin/products/{data['id']}", json={"price": 20, "status": "active"}, headers=admin_headers
    )
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["data"]["price"] == "20.00"
    entries = db.session.query(AuditLog).order_by(AuditLog.id).all()
    assert [e.action for e in entries] == ["product.create", "product.update"]
    assert (entries[1].before["price"], entries[1].after["price"], entries[1].actor_id) == ("18.00", "20.00", admin.id)


def test_compare_at_price_must_be_above_the_price_in_both_languages(client, db, admin_headers, category):
    body = _new_product(category, compare_at_price="18.00")
    response = client.post("/api/v1/admin/products", json=body, headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"] == {
        "compare_at_price": ["The compare-at price must be higher than the price."]
    }
    km = client.post("/api/v1/admin/products?lang=km", json=body, headers=admin_headers)
    assert km.status_code == 400
    assert km.get_json()["message"] != response.get_json()["message"]
    missing = client.post("/api/v1/admin/products?lang=km", json={"sku": "X"}, headers=admin_headers)
    assert missing.status_code == 422
    assert set(missing.get_json()["error"]["details"]["json"]) == {"name_en", "price", "category_ids"}
    assert db.session.query(Product).count() == 0


def test_duplicate_sku_is_a_conflict(client, db, admin_headers, category):
    ProductFactory(sku="SN-1")
    response = client.post("/api/v1/admin/products", json=_new_product(category), headers=admin_headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["details"] == {"sku": ["Another product already has this SKU."]}


def test_public_product_shows_the_new_price_after_an_edit(client, db, admin_headers):
    product = ProductFactory(price=Decimal("12.50"))
    before = client.get(f"/api/v1/products/{product.id}")
    assert before.get_json()["data"]["price"] == "12.50"
    page = client.get(f"/products/{product.slug}")
    assert page.status_code == 200
    edit = client.put(f"/api/v1/admin/products/{product.id}", json={"price": "14.90"}, headers=admin_headers)
    assert edit.status_code == 200, edit.get_json()
    assert client.get(f"/api/v1/products/{product.id}").get_json()["data"]["price"] == "14.90"
    assert "14.90" in client.get(f"/products/{product.slug}").get_data(as_text=True)


def test_image_upload_is_checked_by_content_and_size(client, db, admin_headers, app):
    product = ProductFactory()
    url = f"/api/v1/admin/products/{product.id}/images"
    fake = client.post(
        url, data={"image": (io.BytesIO(b"just some text, not a photo"), "photo.jpg")}, headers=admin_headers
    )
    assert fake.status_code == 400
    assert fake.get_json()["error"]["details"] == {
        "image": ["This file is not an image we can read (JPEG, PNG or WebP)."]
    }
    app.config["MAX_FILE_SIZE"] = 50_000
    try:
        big = client.post(url, data={"image": (io.BytesIO(b"\0" * 60_000), "big.png")}, headers=admin_headers)
        assert big.status_code == 413
        assert big.get_json()["success"] is False
    finally:
        app.config["MAX_FILE_SIZE"] = 10 * 1024 * 1024
    good = client.post(url, data={"image": (io.BytesIO(_png((2400, 1200))), "photo.txt")}, headers=admin_headers)
    assert good.status_code == 201, good.get_json()
    data = good.get_json()["data"]
    stored = Path(app.config["UPLOAD_PATH"]) / data["url"].removeprefix("/uploads/")
    with Image.open(stored) as large:
        assert (large.format, large.size) == ("WEBP", (1600, 800))
    with Image.open(Path(app.config["UPLOAD_PATH"]) / data["thumbnail_url"].removeprefix("/uploads/")) as thumb:
        assert thumb.size == (400, 200)
    assert client.get(data["url"]).status_code == 200
    db.session.expire_all()
    assert db.session.get(Product, product.id).image_url == data["url"]
    removed = client.delete(f"{url}/{data['id']}", headers=admin_headers)
    assert removed.status_code == 200
    assert not stored.exists()
    assert db.session.query(ProductImage).count() == 0


def test_bulk_update_changes_all_or_none(client, db, admin_headers):
    cheap = ProductFactory(price=Decimal("10.00"), status=ProductStatus.DRAFT)
    on_sale = ProductFactory(price=Decimal("10.00"), compare_at_price=Decimal("11.00"))
    refused = client.post(
        "/api/v1/admin/products/bulk-update", json={"ids": [cheap.id, on_sale.id], "price_percent": "15"},
        headers=admin_headers,
    )  # fmt: skip
    assert refused.status_code == 400
    assert on_sale.sku in refused.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Product, cheap.id).price == Decimal("10.00")
    done = client.post(
        "/api/v1/admin/products/bulk-update",
        json={"ids": [cheap.id, on_sale.id], "price_percent": "-10.5", "status": "active", "is_featured": True},
        headers=admin_headers,
    )
    assert done.status_code == 200, done.get_json()
    db.session.expire_all()
    for product_id in (cheap.id, on_sale.id):
        product = db.session.get(Product, product_id)
        assert (product.price, product.status, product.is_featured) == (Decimal("8.95"), ProductStatus.ACTIVE, True)


def test_bulk_price_change_out_of_bounds_is_the_services_400(client, db, admin_headers):
    product = ProductFactory(price=Decimal("10.00"))
    for percent in ("-91", "501"):
        refused = client.post(
            "/api/v1/admin/products/bulk-update", json={"ids": [product.id], "price_percent": percent},
            headers=admin_headers,
        )  # fmt: skip
        assert refused.status_code == 400
        assert refused.get_json()["message"] == "Enter a percentage from -90 to 500."
        assert refused.get_json()["error"]["details"] == {"price_percent": ["Enter a percentage from -90 to 500."]}
    db.session.expire_all()
    assert db.session.get(Product, product.id).price == Decimal("10.00")


def test_bulk_delete_archives_ordered_products(client, db, admin_headers):
    ordered = ProductFactory()
    OrderItemFactory(product=ordered)
    unsold_id, ordered_id = ProductFactory().id, ordered.id
    response = client.post(
        "/api/v1/admin/products/bulk-delete", json={"ids": [ordered_id, unsold_id]}, headers=admin_headers
    )
    assert response.get_json()["data"] == {"deleted": [unsold_id], "archived": [ordered_id]}
    db.session.expire_all()
    assert db.session.get(Product, unsold_id) is None
    assert db.session.get(Product, ordered_id).status == ProductStatus.ARCHIVED
    assert client.get(f"/api/v1/products/{ordered_id}").status_code == 404


def test_category_reorder_and_delete_rules(client, db, admin_headers):
    first, second, third = CategoryFactory(sort_order=1), CategoryFactory(sort_order=2), CategoryFactory(sort_order=3)
    child = CategoryFactory(parent_id=first.id)
    ids = [third.id, first.id, second.id]
    response = client.post("/api/v1/admin/categories/reorder", json={"ids": ids}, headers=admin_headers)
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    roots = db.session.query(Category).filter(Category.parent_id.is_(None)).order_by(Category.sort_order).all()
    assert [c.id for c in roots] == ids
    mixed = client.post("/api/v1/admin/categories/reorder", json={"ids": [first.id, child.id]}, headers=admin_headers)
    assert mixed.status_code == 400
    partial = client.post("/api/v1/admin/categories/reorder", json={"ids": [first.id]}, headers=admin_headers)
    assert partial.status_code == 400
    parent = client.delete(f"/api/v1/admin/categories/{first.id}", headers=admin_headers)
    assert parent.status_code == 409
    ProductFactory(category=second.slug, categories=[second])
    used = client.delete(f"/api/v1/admin/categories/{second.id}?lang=km", headers=admin_headers)
    assert used.status_code == 409
    assert client.delete(f"/api/v1/admin/categories/{third.id}", headers=admin_headers).status_code == 200


def test_renaming_a_category_slug_refiles_its_products(client, db, admin_headers, category):
    product = ProductFactory(category="toners", categories=[category])
    response = client.put(f"/api/v1/admin/categories/{category.id}", json={"slug": "essences"}, headers=admin_headers)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Product, product.id).category == "essences"
    loop = client.put(f"/api/v1/admin/categories/{category.id}", json={"parent_id": category.id}, headers=admin_headers)
    assert loop.status_code == 400
