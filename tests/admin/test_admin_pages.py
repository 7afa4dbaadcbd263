"""The admin pages: dashboard, products (form, CSV import), categories reorder, orders, analytics."""

from __future__ import annotations

import io
from decimal import Decimal

from shop.catalog.models import Category, Product
from shop.orders.models import OrderStatus
from tests.admin.conftest import csrf_token
from tests.factories import CategoryFactory, OrderFactory, OrderItemFactory, ProductFactory, ReviewFactory


def test_dashboard_shows_figures_to_admins_and_reviews_to_moderators(admin_page, db):
    product = ProductFactory(stock=2, name_en="Low Toner")
    OrderItemFactory(order=OrderFactory(status=OrderStatus.CONFIRMED), product=product)
    OrderFactory(status=OrderStatus.CANCELLED)
    ReviewFactory(status="pending")
    html = admin_page.get("/admin/").get_data(as_text=True)
    assert "Low Toner" in html and "$29.00" in html and "<svg" in html
    assert 'data-testid="pending-reviews">1<' in html


def test_moderator_dashboard_has_no_sales(client, db):
    from tests.factories import PASSWORD, ModeratorFactory

    moderator = ModeratorFactory()
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    client.post("/admin/login", data={"csrf_token": token, "email": moderator.email, "password": PASSWORD})
    html = client.get("/admin/").get_data(as_text=True)
    assert "pending-reviews" in html and "Recent orders" not in html
    assert client.get("/admin/products").status_code == 403


def test_product_form_refuses_bad_prices_in_both_languages(admin_page, db):
    category = CategoryFactory()
    data = {"csrf_token": admin_page.csrf, "name_en": "Serum", "sku": "S-1", "status": "draft", "skin_type": "all",
            "category_id": str(category.id), "price": "10.00", "compare_at_price": "9.00", "stock": "3"}  # fmt: skip
    response = admin_page.post("/admin/products/new", data=data)
    assert response.status_code == 400
    assert "The compare-at price must be higher than the price." in response.get_data(as_text=True)
    bad = admin_page.post("/admin/products/new?lang=km", data={**data, "price": "ten"})
    assert bad.status_code == 422
    assert 'lang="km"' in bad.get_data(as_text=True)
    assert db.session.query(Product).count() == 0
    created = admin_page.post("/admin/products/new", data={**data, "compare_at_price": "12.00"})
    assert created.status_code == 302
    product = db.session.query(Product).one()
    assert (product.price, product.compare_at_price, product.category) == (
        Decimal("10.00"),
        Decimal("12.00"),
        category.slug,
    )


def test_csv_import_with_bad_rows_is_refused_whole_with_line_numbers(admin_page, db):
    CategoryFactory(slug="toners")
    ProductFactory(sku="OLD-1", price=Decimal("5.00"))
    csv_text = (
        "sku,name_en,price,category,compare_at_price\n"
        "OLD-1,Old toner,6.00,toners,\n"
        "NEW-1,New toner,abc,toners,\n"
        "NEW-2,Other toner,7.00,nowhere,\n"
        "NEW-3,Fine toner,7.00,toners,8.00\n"
    )
    response = admin_page.post(
        "/admin/products/import",
        data={"csrf_token": admin_page.csrf, "file": (io.BytesIO(csv_text.encode()), "products.csv")},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<td class="num">3</td><td>price</td>' in html
    assert '<td class="num">4</td><td>category</td>' in html
    assert db.session.query(Product).count() == 1
    assert db.session.query(Product).one().price == Decimal("5.00")
    good = csv_text.replace("NEW-1,New toner,abc", "NEW-1,New toner,6.50").replace("nowhere", "toners")
    done = admin_page.post(
        "/admin/products/import",
        data={"csrf_token": admin_page.csrf, "file": (io.BytesIO(good.encode()), "products.csv")},
    )
    assert done.status_code == 302
    db.session.expire_all()
    prices = {p.sku: p.price for p in db.session.query(Product)}
    assert prices == {
        "OLD-1": Decimal("6.00"),
        "NEW-1": Decimal("6.50"),
        "NEW-2": Decimal("7.00"),
        "NEW-3": Decimal("7.00"),
    }
    exported = admin_page.get("/admin/products/export.csv").get_data(as_text=True)
    assert exported.splitlines()[0].startswith("sku,name_en,name_kh") and "NEW-3" in exported


def test_category_reorder_without_and_with_javascript(admin_page, db):
    first, second = CategoryFactory(sort_order=1), CategoryFactory(sort_order=2)
    response = admin_page.post(
        f"/admin/categories/{second.id}/move", data={"csrf_token": admin_page.csrf, "direction": "up"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [c.id for c in db.session.query(Category).order_by(Category.sort_order)] == [second.id, first.id]
    fetched = admin_page.post(
        "/admin/categories/reorder",
        data={"csrf_token": admin_page.csrf, "ids": f"{first.id},{second.id}"},
        headers={"Accept": "application/json"},
    )
    assert fetched.get_json()["success"] is True
    db.session.expire_all()
    assert [c.id for c in db.session.query(Category).order_by(Category.sort_order)] == [first.id, second.id]


def test_order_page_refuses_an_illegal_transition_with_the_reason(admin_page, db):
    order = OrderFactory(status=OrderStatus.PENDING)
    response = admin_page.post(
        f"/admin/orders/{order.id}/ship", data={"csrf_token": admin_page.csrf, "tracking_number": "T-1"}
    )
    assert response.status_code == 409
    assert "An order that is pending cannot become shipped." in response.get_data(as_text=True)
    invoice = admin_page.get(f"/admin/orders/{order.id}/invoice").get_data(as_text=True)
    assert "css/invoice." in invoice and "data-print" in invoice and order.order_number in invoice


def test_orders_list_filters_and_bad_dates(admin_page, db):
    OrderFactory(customer_email="sokha@example.com")
    assert "sokha@example.com" in admin_page.get("/admin/orders?customer=sokha").get_data(as_text=True)
    assert admin_page.get("/admin/orders?date_from=yesterday").status_code == 422


def test_analytics_page_says_no_data_yet_then_counts_views(admin_page, db, app):
    product = ProductFactory()
    OrderFactory(status=OrderStatus.CONFIRMED)
    html = admin_page.get("/admin/analytics").get_data(as_text=True)
    assert 'data-testid="no-data"' in html
    from datetime import UTC, datetime

    app.extensions["mongo"].user_analytics.insert_one(
        {"user_id": None, "events": [
            {"event_type": "product_view", "event_data": {"product_id": product.id, "timestamp": datetime.now(UTC)}},
            {"event_type": "product_view", "event_data": {"product_id": product.id, "timestamp": datetime.now(UTC)}},
        ]}
    )  # fmt: skip
    html = admin_page.get("/admin/analytics").get_data(as_text=True)
    assert 'data-testid="no-data"' not in html and product.name_en in html
    sales = admin_page.get("/admin/analytics/sales.csv?granularity=month").get_data(as_text=True)
    assert sales.splitlines()[0] == "period,orders,revenue" and ",1,29.00" in sales
    assert admin_page.get("/admin/analytics?start=2026-01-10&end=2026-01-01").status_code == 400


def test_invoice_prints_the_cambodian_address_in_the_staff_language(admin_page, db):
    """The invoice goes in the parcel: sangkat, khan, province and landmark as the rider reads
    them, the province and country in the page's language (it printed raw fields in English)."""
    address = {
        "first_name": "Sokha",
        "address_line1": "#12, St 271",
        "commune": "Tuol Tumpung 1",
        "district": "Chamkar Mon",
        "province": "KH-12",
        "country": "KH",
        "landmark": "Beside the pagoda",
        "phone": "+85512345678",
    }
    order = OrderFactory(shipping_address=address)
    khmer = admin_page.get(f"/admin/orders/{order.id}/invoice?lang=km").get_data(as_text=True)
    assert "ភ្នំពេញ" in khmer and "កម្ពុជា" in khmer and "KH-12" not in khmer
    assert "Tuol Tumpung 1, Chamkar Mon" in khmer and "Beside the pagoda" in khmer and "012 345 678" in khmer
    english = admin_page.get(f"/admin/orders/{order.id}/invoice?lang=en").get_data(as_text=True)
    assert "Phnom Penh" in english and "Cambodia" in english
