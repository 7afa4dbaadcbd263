"""A guest checks out on a 390 px wide phone, in Khmer: province list, Khmer-digit phone,
review, place; the page fits the screen."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from shop.orders.models import Order
from tests.factories import ProductFactory

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_guest_checks_out_on_a_phone_in_khmer(live_server, browser, db):
    product = ProductFactory(name_kh="ទឹកអប់ស្បែកទឹកអង្ករ", price=Decimal("12.50"), stock=5)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone = context.new_page()
    phone.goto(f"{live_server}/products/{product.slug}?lang=km")
    phone.locator(".buy-box button[type=submit]").first.click()
    expect(phone.locator("#cart-badge .cart-badge__count")).to_have_text("1")
    phone.goto(f"{live_server}/cart")
    phone.get_by_role("link", name="បញ្ជាទិញជាភ្ញៀវ").click()
    phone.wait_for_url(f"{live_server}/checkout")
    assert phone.locator("html").get_attribute("lang") == "km"
    expect(phone.locator("#checkout-summary")).to_contain_text("ទឹកអប់ស្បែកទឹកអង្ករ")
    phone.locator("#email").fill("guest.phone@example.com")
    phone.locator("#first_name").fill("ស្រីពេជ្រ")
    phone.locator("#phone").fill("០១២ ៣៤៥ ៦៧៨")
    phone.locator("#province").select_option("KH-12")
    phone.locator("#address_line1").fill("ផ្ទះលេខ ៥ ផ្លូវ ៥១")
    phone.locator("#landmark").fill("ទល់មុខផ្សារធំថ្មី")
    expect(phone.locator("#shipping-express")).to_be_visible()  # Phnom Penh's zone: same-day too
    phone.locator("#shipping-standard").check()
    SHOTS.mkdir(exist_ok=True)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    phone.screenshot(path=str(SHOTS / "guest-checkout-km-phone.png"), full_page=True)
    phone.locator("form.checkout-form button[type=submit].btn-primary").click()
    expect(phone.locator("#review-total")).to_be_visible()
    phone.locator("form[action='/checkout/place'] button[type=submit]").click()
    expect(phone.locator("#order-thanks")).to_be_visible()
    assert "/orders/guest/" in phone.url
    overflow_order = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert (overflow, overflow_order) == (0, 0)
    order = db.session.scalar(sa.select(Order))
    assert (order.customer_email, order.customer_phone, order.user_id) == (
        "guest.phone@example.com",
        "+85512345678",
        None,
    )
