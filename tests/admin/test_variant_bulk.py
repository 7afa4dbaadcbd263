"""Stock and prices of many sizes at once: the staff page (with and without HTMX) and the admin
API change all the rows or none, name each refused row in the staff member's language, audit
each change, email the shoppers waiting for a size once when it comes back, and never count
over a sale made meanwhile (threads on PostgreSQL)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.audit.models import AuditLog
from shop.catalog import alerts, variant_bulk, variants
from shop.catalog.models import Product, ProductVariant
from shop.extensions import db as shop_db
from shop.orders import services as orders
from tests.api.helpers import bearer, login
from tests.factories import PASSWORD, AdminFactory, ProductFactory
from tests.orders.test_variants import ADDRESS, sizes
from tests.web.test_cart_pages import HX

D = Decimal
STAFF = Actor(None, "staff@example.com")
PAGE = "/admin/products/stock"


def form_of(html: str) -> dict[str, str]:
    """The stock form's fields as the page filled them (ids repeat: kept as a list)."""
    form = html[html.index('data-testid="stock-table"') :]
    fields: dict = {"ids": re.findall(r'name="ids" value="(\d+)"', form)}
    for name, value in re.findall(r'name="((?:was_)?(?:price|compare_at_price|stock)-\d+)" value="([^"]*)"', form):
        fields[name] = value
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return fields


def bulk_entries(db) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "variant.bulk_update")))


def test_the_page_lists_the_sizes_of_the_products_found_with_a_variant_stock_filter(admin_page, db):
    serum, small, large = sizes(stock_30=4, stock_50=0)
    ProductFactory(name_en="Rice Toner", sku="TON-1", stock=20)
    everything = admin_page.get(PAGE)
    assert everything.status_code == 200
    assert "3 sizes and shades" in everything.text
    found = admin_page.get(f"{PAGE}?q=ser-50").text  # a variant's SKU finds it
    assert form_of(found)["ids"] == [str(large.id)]
    sold_out = admin_page.get(f"{PAGE}?stock=out").text
    assert form_of(sold_out)["ids"] == [str(large.id)]
    assert f'name="stock-{large.id}" value="0"' in sold_out
    assert admin_page.get(f"{PAGE}?stock=nope").status_code == 422
    assert 'href="/admin/products/stock"' in admin_page.get("/admin/products").text


def test_saving_changes_only_the_rows_edited_audits_them_and_emails_the_waiting_shopper_once(
    admin_page, db, run_jobs, smtp_server
):
    serum, small, large = sizes(stock_30=4, stock_50=0)
    alerts.ask(large.id, "waiting@example.com")
    fields = form_of(admin_page.get(PAGE).text)
    fields[f"stock-{large.id}"] = "6"
    fields[f"price-{small.id}"] = "19.50"
    fields[f"compare_at_price-{small.id}"] = "24.00"
    saved = admin_page.post(PAGE, data=fields)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(PAGE)
    assert "2 sizes or shades saved." in admin_page.get(PAGE).text
    db.session.expire_all()
    assert (small.price, small.compare_at_price, small.stock) == (D("19.50"), D("24.00"), 4)
    assert (large.price, large.stock) == (D("26.00"), 6)
    product = db.session.get(Product, serum.id)
    assert (product.price, product.price_max, product.stock) == (D("19.50"), D("26.00"), 10)
    entries = bulk_entries(db)
    assert sorted((e.entity_id, e.before["stock"], e.after["stock"], e.after["price"]) for e in entries) == sorted(
        [(str(small.id), 4, 4, "19.50"), (str(large.id), 0, 6, "26.00")]
    )
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["waiting@example.com"]
    # Saving the page again as it is changes nothing and sends nothing.
    again = admin_page.post(PAGE, data=form_of(admin_page.get(PAGE).text))
    assert again.status_code == 400 and "Change at least one size or shade." in again.text
    run_jobs()
    assert len(smtp_server.messages) == 1 and len(bulk_entries(db)) == 2


def test_bad_rows_are_refused_with_their_reasons_in_both_languages_and_nothing_is_written(admin_page, db):
    serum, small, large = sizes(stock_30=4, stock_50=2)
    fields = form_of(admin_page.get(PAGE).text)
    fields[f"stock-{small.id}"] = "7"  # fine, but not saved alone
    fields[f"price-{large.id}"] = "0"
    fields[f"stock-{large.id}"] = "-1"
    refused = admin_page.post(PAGE, data=fields)
    assert refused.status_code == 400
    html = refused.text
    assert "Nothing was saved: correct the rows marked and save again." in html
    reason = "A price must be at least 0.01 and at most 100000."
    assert f'<p class="form-error" id="problem-{large.id}">{reason}</p>' in html
    assert f'name="stock-{small.id}" value="7"' in html  # what was typed stays
    assert f'id="price-{large.id}" name="price-{large.id}" value="0"' in html
    khmer = admin_page.post(f"{PAGE}?lang=km", data={**fields, f"price-{large.id}": "26.00"})
    assert khmer.status_code == 400
    assert f'<p class="form-error" id="problem-{large.id}">ស្តុកមិនអាចតិចជាងសូន្យបានទេ។</p>' in khmer.text
    db.session.expire_all()
    assert (small.stock, large.price, large.stock) == (4, D("26.00"), 2)
    assert db.session.get(Product, serum.id).stock == 6
    assert bulk_entries(db) == []


def test_a_sale_since_the_page_was_opened_refuses_that_row(admin_page, db):
    serum, small, large = sizes(stock_30=3, stock_50=5)
    fields = form_of(admin_page.get(PAGE).text)
    sale = orders.Checkout(
        items=[orders.BasketItem(serum.id, 1, small.id)], email="a@example.com", shipping_address=ADDRESS
    )
    orders.place_order(sale)
    fields[f"stock-{small.id}"] = "10"
    stale = admin_page.post(PAGE, data=fields)
    assert stale.status_code == 400
    assert "The stock changed to 2 since the page was opened (a sale?): check it and save again." in stale.text
    db.session.expire_all()
    assert small.stock == 2
    # The page shows the stock as it is now beside what was typed: saved again, it is accepted.
    retry = form_of(stale.text)
    assert (retry[f"was_stock-{small.id}"], retry[f"stock-{small.id}"]) == ("2", "10")
    assert admin_page.post(PAGE, data=retry).status_code == 303
    db.session.expire_all()
    assert (small.stock, db.session.get(Product, serum.id).stock) == (10, 15)


def test_htmx_swaps_the_table_with_a_toast_or_the_reasons(admin_page, db):
    serum, small, large = sizes(stock_30=3, stock_50=5)
    fields = form_of(admin_page.get(PAGE).text)
    fields[f"stock-{large.id}"] = "8"
    swapped = admin_page.post(PAGE, data=fields, headers=HX)
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<div id="stock-results"') and "<html" not in swapped.text
    assert "1 size or shade saved." in swapped.text and 'hx-swap-oob="innerHTML:#toasts"' in swapped.text
    assert f'name="stock-{large.id}" value="8"' in swapped.text
    fields = form_of(swapped.text)
    fields[f"compare_at_price-{large.id}"] = "20.00"
    refused = admin_page.post(PAGE, data=fields, headers=HX)
    assert refused.status_code == 400 and "<html" not in refused.text
    assert "The compare-at price cannot be below the price." in refused.text


def test_the_admin_api_sets_many_variants_all_or_none_with_reasons_by_item(client, db, run_jobs, smtp_server):
    admin = AdminFactory()
    headers = bearer(login(client, admin.email, PASSWORD)["access_token"])
    serum, small, large = sizes(stock_30=4, stock_50=0)
    toner = ProductFactory(sku="TON-1", stock=2)
    only = variants.default_variant(toner)
    alerts.ask(large.id, "waiting@example.com")
    url = "/api/v1/admin/products/variants/bulk-update"
    bad = client.post(
        f"{url}?lang=km",
        json={"items": [{"id": small.id, "stock": 9}, {"id": large.id, "price": "30.00", "compare_at_price": "29.00"}]},
        headers=headers,
    )
    assert bad.status_code == 400
    body = bad.get_json()
    assert body["message"] == "គ្មានអ្វីត្រូវបានរក្សាទុកទេ៖ សូមកែជួរដែលបានសម្គាល់ ហើយរក្សាទុកម្តងទៀត។"
    assert body["error"]["details"] == {"items": {"1": {"compare_at_price": ["តម្លៃប្រៀបធៀប មិនអាចទាបជាងតម្លៃលក់បានទេ។"]}}}
    stale = client.post(url, json={"items": [{"id": small.id, "stock": 9, "expected_stock": 3}]}, headers=headers)
    assert stale.status_code == 400 and "The stock changed to 4" in str(stale.get_json()["error"]["details"])
    db.session.expire_all()
    assert small.stock == 4 and bulk_entries(db) == []
    done = client.post(
        url,
        json={"items": [{"id": large.id, "stock": 3, "expected_stock": 0}, {"id": only.id, "price": "9.90"}]},
        headers=headers,
    )
    assert done.status_code == 200, done.get_json()
    assert [(v["sku"], v["stock"], v["price"]) for v in done.get_json()["data"]] == [
        ("SER-50", 3, "26.00"),
        (toner.sku, 2, "9.90"),
    ]
    db.session.expire_all()
    assert db.session.get(Product, toner.id).price == D("9.90")
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["waiting@example.com"]
    assert client.post(url, json={"items": []}, headers=headers).status_code == 422
    missing = client.post(url, json={"items": [{"id": 2147483647, "stock": 1}]}, headers=headers)
    assert missing.status_code == 400 and missing.get_json()["error"]["details"]["items"]["0"]["id"]


def test_a_stock_count_racing_checkouts_never_counts_over_a_sale(app, db):
    serum, small, _large = sizes(stock_30=10, stock_50=1)
    serum_id, small_id = serum.id, small.id
    barrier = threading.Barrier(11)

    def buy(n: int) -> str:
        with app.app_context():
            try:
                barrier.wait()
                orders.place_order(
                    orders.Checkout(
                        items=[orders.BasketItem(serum_id, 1, small_id)],
                        email=f"buyer{n}@example.com",
                        shipping_address=ADDRESS,
                    )
                )
                return "sold"
            finally:
                shop_db.session.remove()

    def count() -> str:
        with app.app_context():
            try:
                barrier.wait()
                variant_bulk.update_many([variant_bulk.Change(small_id, {"stock": 50}, expected_stock=10)], actor=STAFF)
                return "counted"
            except variant_bulk.ChangesRefused:
                return "refused"
            finally:
                shop_db.session.remove()

    with ThreadPoolExecutor(11) as pool:
        sales = [pool.submit(buy, n) for n in range(10)]
        counted = pool.submit(count)
        outcomes = [f.result() for f in sales]
    assert outcomes == ["sold"] * 10
    db.session.expire_all()
    stock = db.session.get(ProductVariant, small_id).stock
    # Counted before any sale: the ten are taken from the 50; refused: from the 10. Never 50 after a sale.
    assert (counted.result(), stock) in {("counted", 40), ("refused", 0)}
    assert db.session.get(Product, serum_id).stock == stock + 1
