"""Accessibility in a real browser: axe-core (axe-playwright-python) finds no serious or critical
WCAG problem on the storefront's, the account's and the staff area's main pages, in English
and Khmer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe

from shop.orders.models import OrderStatus
from shop.reviews.models import ReviewStatus
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CategoryFactory,
    OrderFactory,
    OrderItemFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

SEVERE = ("serious", "critical")


@pytest.fixture
def shop_data(db):
    serums = CategoryFactory(name="Serums", slug="serums")
    serum = ProductFactory(name_en="Glow Serum", price=Decimal("19.99"), compare_at_price=Decimal("24.00"))
    serum.categories.append(serums)
    ProductFactory(name_en="Rice Toner", stock=0)
    shopper = UserFactory(email="reader@example.com", first_name="Sokha")
    order = OrderFactory(user=shopper, status=OrderStatus.DELIVERED)
    OrderItemFactory(order=order, product=serum, quantity=1)
    ReviewFactory(product_id=serum.id, user_id=shopper.id, status=ReviewStatus.APPROVED)
    ReviewFactory(product_id=serum.id, status=ReviewStatus.PENDING)
    AdminFactory(email="boss@example.com")
    db.session.commit()
    return serum


def _problems(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.ok, url
    violations = Axe().run(page).response["violations"]
    return [f"{url}: {v['id']} ({v['impact']}): {v['help']}" for v in violations if v["impact"] in SEVERE]


def _sign_in(page, base: str, path: str, email: str) -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_storefront_and_account_pages(live_server, page, shop_data):
    urls = [
        "/",
        "/?lang=km",
        "/shop",
        "/shop?q=serum",
        "/categories/serums",
        "/skin-types",
        "/skin-analysis",
        f"/products/{shop_data.slug}",
        f"/products/{shop_data.slug}?lang=km",
        "/cart",
        "/account/login",
        "/account/register",
    ]
    problems = [p for url in urls for p in _problems(page, live_server + url)]
    _sign_in(page, live_server, "/account/login?lang=en", "reader@example.com")  # the pages above chose km
    for url in ("/account", "/account/profile", "/account/addresses", "/orders", "/wishlist", "/account/reviews"):
        problems += _problems(page, live_server + url)
    assert problems == []


def test_staff_pages(live_server, page, shop_data):
    _sign_in(page, live_server, "/admin/login", "boss@example.com")
    urls = [
        "/admin/",
        "/admin/products",
        f"/admin/products/{shop_data.id}",
        "/admin/categories",
        "/admin/orders",
        "/admin/customers",
        "/admin/reviews",
        "/admin/coupons",
        "/admin/analytics",
        "/admin/reviews?lang=km",
    ]
    assert [p for url in urls for p in _problems(page, live_server + url)] == []
