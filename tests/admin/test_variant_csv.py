"""The product CSV with one line per size or shade: the export read back changes nothing, an
edited cell changes just that, bad lines are listed with their numbers in English and Khmer
with nothing written, a file of before (one line per product) still imports, and stock coming
back through a file emails the shoppers waiting for it once."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.audit.models import AuditLog
from shop.catalog import alerts, variant_editing, variants
from shop.catalog.models import Product, ProductVariant
from tests.factories import CategoryFactory, ProductFactory

D = Decimal
STAFF = Actor(None, "staff@example.com")


def serum_in_sizes(category) -> Product:
    """Glow Serum: 30 ml ($18, 4, the default), 50 ml ($26, 3) and an archived 100 ml."""
    serum = ProductFactory(
        name_en="Glow Serum", slug="glow-serum", sku="SER-30", price=D("18.00"), stock=4,
        categories=[category], category=category.slug,
    )  # fmt: skip
    first = variants.default_variant(serum)
    variant_editing.update_variant(
        first.id, {"option_name": "size", "option_value_en": "30 ml", "option_value_kh": "៣០ មល"}, actor=STAFF
    )
    variant_editing.add_variant(
        serum.id,
        {"option_name": "size", "option_value_en": "50 ml", "sku": "SER-50", "price": "26.00", "stock": 3,
         "compare_at_price": "30.00", "weight": "80"},
        actor=STAFF,
    )  # fmt: skip
    gone = variant_editing.add_variant(
        serum.id, {"option_name": "size", "option_value_en": "100 ml", "sku": "SER-100", "price": "40.00"}, actor=STAFF
    )
    variant_editing.archive_variant(gone.id, actor=STAFF)
    return serum


def send(client, text: str, lang: str = ""):
    return client.post(
        f"/admin/products/import{lang}",
        data={"csrf_token": client.csrf, "file": (io.BytesIO(text.encode()), "products.csv")},
    )


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def write(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def state(db) -> tuple[dict, dict]:
    db.session.expire_all()
    products = {
        p.slug: (p.sku, p.price, p.price_max, p.compare_at_price, p.stock, p.name_en)
        for p in db.session.scalars(sa.select(Product))
    }
    found = {v.sku: variant_editing.snapshot(v) for v in db.session.scalars(sa.select(ProductVariant))}
    return products, found


def import_entries(db) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action.like("%import%")).order_by(AuditLog.id)))


def test_the_export_has_a_line_per_size_and_reads_back_unchanged_then_one_edit_changes_just_that(admin_page, db):
    toners = CategoryFactory(slug="toners")
    ProductFactory(name_en="Rice Toner", slug="rice-toner", sku="TON-1", categories=[toners], category="toners")
    serum_in_sizes(toners)
    exported = admin_page.get("/admin/products/export.csv").get_data(as_text=True)
    records = rows(exported)
    assert [(r["slug"], r["sku"], r["variant_sku"], r["option_value_en"], r["variant_default"]) for r in records] == [
        ("rice-toner", "TON-1", "", "", ""),  # one unnamed size: the line of before
        ("glow-serum", "SER-30", "SER-30", "30 ml", "yes"),
        ("glow-serum", "", "SER-50", "50 ml", "no"),
        ("glow-serum", "", "SER-100", "100 ml", "no"),
    ]
    assert records[2]["name_en"] == "" and records[2]["variant_compare_at_price"] == "30.00"
    assert (records[2]["variant_weight"], records[3]["variant_archived"]) == ("80.00", "yes")
    before = state(db)

    same = send(admin_page, exported)
    assert same.status_code == 302
    assert state(db) == before
    assert import_entries(db) == []

    for record in records:
        if record["variant_sku"] == "SER-50":
            record["variant_stock"] = "9"
        if record["variant_sku"] == "SER-30":
            record["variant_price"] = "19.00"
    edited = send(admin_page, write(records))
    assert edited.status_code == 302
    products, found = state(db)
    old_products, old_found = before
    assert products["glow-serum"] == ("SER-30", D("19.00"), D("26.00"), None, 13, "Glow Serum")
    assert products["rice-toner"] == old_products["rice-toner"]
    assert found["SER-50"] == {**old_found["SER-50"], "stock": 9}
    assert found["SER-30"] == {**old_found["SER-30"], "price": "19.00"}
    assert found["SER-100"] == old_found["SER-100"] and found["TON-1"] == old_found["TON-1"]
    entries = import_entries(db)
    assert [(e.action, e.entity_id) for e in entries] == [
        ("variant.import_update", str(found["SER-30"]["id"])),
        ("variant.import_update", str(found["SER-50"]["id"])),
    ]
    assert (entries[1].before["stock"], entries[1].after["stock"]) == (3, 9)


def test_a_product_in_sizes_is_created_from_lines_blank_after_the_first(admin_page, db):
    CategoryFactory(slug="serums")
    text = (
        "sku,name_en,slug,price,category,status,option_name,option_value_en,option_value_kh,variant_sku,"
        "variant_price,variant_stock,variant_default\n"
        "TINT-LIGHT,Tone-up Sun Cream,tone-up,,serums,active,shade,Light,ភ្លឺ,TINT-LIGHT,15.00,4,\n"
        ",,tone-up,,,,shade,Medium,មធ្យម,TINT-MEDIUM,15.00,0,yes\n"
        ",,,,,,shade,Deep,ខ្មៅ,TINT-DEEP,16.50,2,\n"  # no product cell: the product above
    )
    done = send(admin_page, text)
    assert done.status_code == 302, done.get_data(as_text=True)
    db.session.expire_all()
    cream = db.session.scalar(sa.select(Product).where(Product.slug == "tone-up"))
    assert (cream.sku, cream.price, cream.price_max, cream.stock) == ("TINT-MEDIUM", D("15.00"), D("16.50"), 6)
    assert [(v.sku, v.option_value_kh, v.position, v.is_default) for v in variants.variants_of(cream.id)] == [
        ("TINT-LIGHT", "ភ្លឺ", 0, False),
        ("TINT-MEDIUM", "មធ្យម", 1, True),
        ("TINT-DEEP", "ខ្មៅ", 2, False),
    ]
    assert [e.action for e in import_entries(db)] == ["product.import_create"] + ["variant.import_create"] * 3


BAD = (
    "sku,name_en,slug,price,category,option_name,option_value_en,variant_sku,variant_price,"
    "variant_compare_at_price,variant_stock,variant_default\n"
    "SER-30,Glow Serum,glow-serum,18.00,toners,size,30 ml,SER-30,18.00,,4,yes\n"  # 2: fine
    ",,glow-serum,,,size,30 ML,SER-31,18.00,,1,\n"  # 3: the same size twice
    ",,glow-serum,,,size,40 ml,SER-40,0,,1,\n"  # 4: a price of nothing
    ",,glow-serum,,,size,50 ml,SER-50,26.00,20.00,3,\n"  # 5: compare-at below the price
    ",,glow-serum,,,size,60 ml,SER-60,28.00,,-2,\n"  # 6: negative stock
    ",,glow-serum,,,size,70 ml,SER-70,29.00,,1,yes\n"  # 7: a second default
    ",Other name,glow-serum,,,size,80 ml,SER-80,30.00,,1,\n"  # 8: the product's name differs
)


def test_bad_lines_are_listed_with_their_numbers_in_english_and_khmer_and_nothing_is_written(admin_page, db):
    toners = CategoryFactory(slug="toners")
    serum = serum_in_sizes(toners)
    before = state(db)
    refused = send(admin_page, BAD)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    expected = [
        (3, "option_value_en", "Another size or shade of this product is already called 30 ML."),
        (4, "variant_price", "A price must be at least 0.01 and at most 100000."),
        (5, "variant_compare_at_price", "The compare-at price cannot be below the price."),
        (6, "variant_stock", "Stock cannot be negative."),
        (7, "variant_default", "Only one size or shade of a product can be the default: line 2 is already."),
        (8, "name_en", "Not the same as on line 2: a product&#39;s columns are the same on each of its lines, or "
                       "blank after the first."),
    ]  # fmt: skip
    for line, column, message in expected:
        assert f'<td class="num">{line}</td><td>{column}</td><td>{message}</td>' in html
    assert html.count('<td class="num">') == len(expected)
    assert state(db) == before and import_entries(db) == []

    khmer = send(admin_page, BAD, "?lang=km")
    assert khmer.status_code == 422
    text = khmer.get_data(as_text=True)
    assert '<td class="num">6</td><td>variant_stock</td><td>ស្តុកមិនអាចតិចជាងសូន្យបានទេ។</td>' in text
    assert (
        '<td class="num">3</td><td>option_value_en</td><td>ទំហំ ឬពណ៌ផ្សេងទៀតរបស់ផលិតផលនេះ មានឈ្មោះ 30 ML រួចហើយ។</td>' in text
    )
    assert "ផលិតផលមួយអាចមានទំហំ ឬពណ៌លំនាំដើមតែមួយប៉ុណ្ណោះ៖ បន្ទាត់ 2 ជាលំនាំដើមរួចហើយ។" in text
    assert state(db) == before
    assert len(variants.variants_of(serum.id, include_archived=True)) == 3


def test_sizes_the_file_leaves_out_are_checked_too(admin_page, db):
    toners = CategoryFactory(slug="toners")
    plain = ProductFactory(sku="TON-1", slug="rice-toner", categories=[toners], category="toners")
    serum_in_sizes(toners)
    unnamed_first = (
        "sku,name_en,slug,price,category,option_value_en,variant_sku,variant_price,variant_archived\n"
        f"TON-1,{plain.name_en},rice-toner,12.50,toners,150 ml,TON-2,14.00,\n"  # TON-1 still has no name
        "SER-30,Glow Serum,glow-serum,18.00,toners,30 ml,SER-30,18.00,yes\n"
        ",,glow-serum,,,50 ml,SER-50,26.00,yes\n"  # with 100 ml archived already: none left on sale
        "NEW-1,New Serum,new-serum,9.00,toners,10 ml,SER-100,9.00,\n"  # another product's SKU
    )
    refused = send(admin_page, unnamed_first)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert (
        '<td class="num">2</td><td>option_value_en</td><td>Give TON-1 a line with its size or shade '
        "(option_value_en): this product has more than one.</td>"
    ) in html
    assert (
        '<td class="num">3</td><td>variant_archived</td><td>A product needs at least one size or shade on sale.' in html
    )
    assert '<td class="num">5</td><td>variant_sku</td><td>Another product or variant already has this SKU.' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductVariant)) == 4


def test_a_file_of_before_without_the_variant_columns_still_imports(admin_page, db):
    toners = CategoryFactory(slug="toners")
    toner = ProductFactory(sku="TON-1", slug="rice-toner", price=D("12.50"), stock=0, categories=[toners],
                           category="toners")  # fmt: skip
    serum = serum_in_sizes(toners)
    old = (
        "sku,name_en,price,stock,category\n"
        "TON-1,Rice Toner,13.00,6,toners\n"  # its one size follows the product's line
        "NEW-1,New Toner,7.00,2,toners\n"
    )
    done = send(admin_page, old)
    assert done.status_code == 302
    db.session.expire_all()
    only = variants.default_variant(db.session.get(Product, toner.id))
    assert (only.sku, only.price, only.stock) == ("TON-1", D("13.00"), 6)
    new = db.session.scalar(sa.select(Product).where(Product.sku == "NEW-1"))
    assert [(v.sku, v.price, v.stock, v.is_default) for v in variants.variants_of(new.id)] == [
        ("NEW-1", D("7.00"), 2, True)
    ]
    # A product in sizes has its price and stock per size: a line of before cannot set them.
    sized = send(admin_page, "sku,name_en,price,category\nSER-30,Glow Serum,15.00,toners\n")
    assert sized.status_code == 422
    assert (
        "SER-30 is sold in several sizes or shades: set their prices and stock on lines of their own "
        "(the variant columns)."
    ) in sized.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Product, serum.id).price == D("18.00")


def test_stock_back_through_the_file_emails_the_waiting_shopper_once(admin_page, db, run_jobs, smtp_server):
    toners = CategoryFactory(slug="toners")
    serum = serum_in_sizes(toners)
    large = db.session.scalar(sa.select(ProductVariant).where(ProductVariant.sku == "SER-50"))
    variant_editing.update_variant(large.id, {"stock": 0}, actor=STAFF)
    alerts.ask(large.id, "waiting@example.com")
    records = rows(admin_page.get("/admin/products/export.csv").get_data(as_text=True))
    for record in records:
        if record["variant_sku"] == "SER-50":
            record["variant_stock"] = "5"
    assert send(admin_page, write(records)).status_code == 302
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["waiting@example.com"]
    assert send(admin_page, write(records)).status_code == 302  # the same file again: no change, no email
    run_jobs()
    assert len(smtp_server.messages) == 1
    db.session.expire_all()
    assert db.session.get(Product, serum.id).stock == 9


def test_a_file_with_a_few_columns_changes_those_and_leaves_the_rest(admin_page, db):
    toners = CategoryFactory(slug="toners")
    serum_in_sizes(toners)
    before = state(db)
    lean = "sku,name_en,slug,variant_sku,variant_stock\nSER-30,Glow Serum,glow-serum,SER-30,7\n,,glow-serum,SER-50,1\n"
    assert send(admin_page, lean).status_code == 302
    products, found = state(db)
    assert found == {
        **before[1],
        "SER-30": {**before[1]["SER-30"], "stock": 7},
        "SER-50": {**before[1]["SER-50"], "stock": 1},
    }
    assert products["glow-serum"][4] == 8
    db.session.expire_all()
    serum = db.session.scalar(sa.select(Product).where(Product.slug == "glow-serum"))
    assert [c.slug for c in serum.categories] == ["toners"]
