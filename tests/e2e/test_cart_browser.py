"""The cart in a real browser (Chromium): HTMX changes the cart and the header badge without
reloading the page."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect

from tests.factories import PASSWORD, ProductFactory, UserFactory

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def _mark_page(page) -> None:
    """A flag that a page load would wipe out: still there means no navigation happened."""
    page.evaluate("window.__sameDocument = true")


def _same_page(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_add_from_the_product_page_and_change_the_quantity_without_a_reload(live_server, page, db):
    product = ProductFactory(name_en="Glow Serum", price=Decimal("19.99"), stock=10)
    badge = page.locator("#cart-badge .cart-badge__count")

    page.goto(f"{live_server}/products/{product.slug}")
    expect(badge).to_have_text("0")
    _mark_page(page)
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(badge).to_have_text("2")
    expect(page.locator("#toasts")).to_contain_text("Added to your cart.")
    assert _same_page(page)

    page.get_by_role("link", name="Cart, 2 items").click()
    page.wait_for_url(f"{live_server}/cart")
    quantity = page.get_by_label("Quantity: Glow Serum")
    expect(quantity).to_have_value("2")
    expect(page.locator("#cart-subtotal")).to_have_text("$39.98 · ៛163,900, 163,900 riel")
    _mark_page(page)

    page.get_by_role("button", name="One more: Glow Serum").click()
    expect(badge).to_have_text("3")
    expect(quantity).to_have_value("3")
    expect(page.locator("#cart-subtotal")).to_have_text("$59.97 · ៛245,900, 245,900 riel")
    expect(page.get_by_role("button", name="One more: Glow Serum")).to_be_focused()

    quantity.fill("5")
    quantity.press("Enter")
    expect(badge).to_have_text("5")
    expect(page.locator("#cart-subtotal")).to_have_text("$99.95 · ៛409,800, 409,800 riel")

    page.get_by_role("button", name=re.compile(r"^Remove\W+Glow Serum$")).click()
    expect(badge).to_have_text("0")
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    assert _same_page(page)
    assert page.url == f"{live_server}/cart"


def test_heart_toggles_without_a_reload_and_keeps_focus(live_server, page, db):
    user = UserFactory()
    ProductFactory(name_en="Glow Serum", is_featured=True)
    page.goto(f"{live_server}/account/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/account")

    page.goto(f"{live_server}/")
    _mark_page(page)
    heart = page.get_by_role("button", name="Save Glow Serum to your wishlist").first
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart_id = heart.get_attribute("id")  # "Recommended for you" may show the same product later
    heart.click()
    heart = page.locator(f"#{heart_id}")
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()
    expect(page.locator("#toasts")).to_contain_text("Saved to your wishlist.")
    page.get_by_role("button", name=re.compile(r"^Add to cart\W+Glow Serum$")).first.click()
    expect(page.locator("#cart-badge .cart-badge__count")).to_have_text("1")
    assert _same_page(page)

    page.goto(f"{live_server}/wishlist")
    expect(page.get_by_role("link", name="Glow Serum")).to_be_visible()


def test_cart_and_checkout_fit_a_phone_in_khmer(live_server, browser, db):
    user = UserFactory()
    context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2)
    phone = context.new_page()
    phone.goto(f"{live_server}/account/login?lang=km")
    phone.locator("#email").fill(user.email)
    phone.locator("#password").fill(PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(f"{live_server}/account")
    for n in range(2):
        product = ProductFactory(name_kh=f"ក្រែមការពារកម្តៅថ្ងៃសម្រាប់ស្បែកប្រេង {n}", price=Decimal("24.50"))
        phone.goto(f"{live_server}/products/{product.slug}")
        phone.locator(".buy-box button[type=submit]").first.click()
        expect(phone.locator("#cart-badge .cart-badge__count")).to_have_text(str(n + 1))
    SHOTS.mkdir(exist_ok=True)
    overflows = {}
    for path in ("/cart", "/checkout", "/wishlist", "/orders"):
        phone.goto(live_server + path)
        assert phone.locator("html").get_attribute("lang") == "km"
        overflows[path] = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        phone.screenshot(path=str(SHOTS / f"shopping{path.replace('/', '-')}-km-phone.png"), full_page=True)
    context.close()
    assert overflows == {path: 0 for path in overflows}


def test_a_refusal_is_shown_as_a_toast_without_a_reload(live_server, page, db):
    product = ProductFactory(name_en="Last Serum", stock=1)
    page.goto(f"{live_server}/products/{product.slug}")
    _mark_page(page)
    product.stock = 0  # sold out while the page was open
    db.session.commit()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#toasts .toast-error")).to_have_text("Last Serum is out of stock.")
    expect(page.locator("#cart-badge .cart-badge__count")).to_have_text("0")
    assert _same_page(page)
