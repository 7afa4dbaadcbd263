"""Staff and variants: the product page adds, edits, reorders, archives and deletes sizes, each
refusal re-rendered with its reason (4xx, nothing written); the admin API does the same; the
dashboard lists the sizes running low; every change is audited."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from shop.audit.models import AuditLog
from shop.catalog import variants
from shop.catalog.models import Product, ProductVariant
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, ProductFactory
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import post

D = Decimal


def test_staff_add_edit_reorder_archive_and_delete_sizes_on_the_product_page(client, db):
    admin = AdminFactory()
    serum = ProductFactory(price=D("18.00"), stock=4, sku="SER-30")
    page = f"/admin/products/{serum.id}"
    sign_in(client, admin.email)
    first = variants.default_variant(serum)
    refused = post(
        client,
        f"/admin/products/{serum.id}/variants",
        {"option_value_en": "50 ml", "sku": "SER-50", "price": "26.00", "stock": "3"},
        form_url=page,
    )
    assert refused.status_code == 400  # the first size has no name yet
    assert "Name this product&#39;s first size or shade before adding another." in refused.text
    assert 'value="SER-50"' in refused.text  # what was typed is kept
    saved = post(
        client,
        f"/admin/products/{serum.id}/variants/{first.id}",
        {
            "option_name": "size",
            "option_value_en": "30 ml",
            "sku": "SER-30",
            "price": "18.00",
            "stock": "4",
            "track_stock": "on",
        },
        form_url=page,
    )
    assert saved.status_code == 303
    added = post(
        client,
        f"/admin/products/{serum.id}/variants",
        {
            "option_name": "size",
            "option_value_en": "50 ml",
            "sku": "SER-50",
            "price": "26.00",
            "stock": "3",
            "track_stock": "on",
        },
        form_url=page,
    )
    assert added.status_code == 303
    large = db.session.scalar(sa.select(ProductVariant).where(ProductVariant.sku == "SER-50"))
    negative = post(
        client,
        f"/admin/products/{serum.id}/variants/{large.id}",
        {"option_value_en": "50 ml", "sku": "SER-50", "price": "26.00", "stock": "-2"},
        form_url=page,
    )
    assert negative.status_code == 400 and "Stock cannot be negative." in negative.text
    db.session.expire_all()
    assert db.session.get(ProductVariant, large.id).stock == 3
    assert db.session.get(Product, serum.id).stock == 7
    moved = post(client, f"/admin/products/{serum.id}/variants/order", {"ids": f"{large.id},{first.id}"}, form_url=page)
    assert moved.status_code == 303
    assert [v.sku for v in variants.variants_of(serum.id)] == ["SER-50", "SER-30"]
    shown = client.get(page).text
    assert "Sizes and shades" in shown and 'id="variant-' in shown
    archived = post(client, f"/admin/products/{serum.id}/variants/{large.id}/archive", form_url=page)
    assert archived.status_code == 303
    last = post(client, f"/admin/products/{serum.id}/variants/{first.id}/archive", form_url=page)
    assert last.status_code == 400 and "A product needs at least one size or shade on sale." in last.text
    deleted = post(client, f"/admin/products/{serum.id}/variants/{large.id}/delete", form_url=page)
    assert deleted.status_code == 303
    assert [v.sku for v in variants.variants_of(serum.id, include_archived=True)] == ["SER-30"]
    actions = db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.entity_type.in_(["product_variant", "product"]))
    ).all()
    assert {"variant.update", "variant.create", "variant.reorder", "variant.archive", "variant.delete"} <= set(actions)


def test_the_admin_api_manages_variants_with_reasons_in_khmer(client, db):
    admin = AdminFactory()
    serum = ProductFactory(price=D("18.00"), stock=4, sku="SER-30")
    headers = bearer(login(client, admin.email, PASSWORD)["access_token"])
    first = variants.default_variant(serum)
    base = f"/api/v1/admin/products/{serum.id}/variants"
    named = client.put(f"{base}/{first.id}", json={"option_value_en": "30 ml", "option_name": "size"}, headers=headers)
    assert named.status_code == 200, named.get_json()
    added = client.post(
        base, json={"option_value_en": "50 ml", "sku": "SER-50", "price": "26.00", "stock": 2}, headers=headers
    )
    assert added.status_code == 201, added.get_json()
    duplicate = client.post(
        f"{base}?lang=km", json={"option_value_en": "50 ML", "sku": "SER-51", "price": "27.00"}, headers=headers
    )
    assert duplicate.status_code == 409
    assert duplicate.get_json()["message"] == "ទំហំ ឬពណ៌ផ្សេងទៀតរបស់ផលិតផលនេះ មានឈ្មោះ 50 ML រួចហើយ។"
    below = client.post(
        base,
        json={"option_value_en": "10 ml", "sku": "SER-10", "price": "9.00", "compare_at_price": "8.00"},
        headers=headers,
    )
    assert below.status_code == 400 and below.get_json()["message"] == "The compare-at price cannot be below the price."
    listed = client.get(base, headers=headers).get_json()["data"]
    assert [(v["sku"], v["stock"], v["waiting_for_stock"]) for v in listed] == [("SER-30", 4, 0), ("SER-50", 2, 0)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductVariant)) == 2


def test_the_dashboard_lists_the_sizes_running_low(client, db):
    admin = AdminFactory()
    serum = ProductFactory(name_en="Glow Serum", price=D("18.00"), stock=40, sku="SER-30")
    from shop.audit.actors import Actor
    from shop.catalog import variant_editing

    actor = Actor(None, None)
    variant_editing.update_variant(variants.default_variant(serum).id, {"option_value_en": "30 ml"}, actor=actor)
    variant_editing.add_variant(
        serum.id, {"option_value_en": "50 ml", "sku": "SER-50", "price": "26", "stock": 2}, actor=actor
    )
    sign_in(client, admin.email)
    page = client.get("/admin/").text
    assert "Sizes and shades running low" in page and "Glow Serum (50 ml)</a> (SER-50): 2" in page
