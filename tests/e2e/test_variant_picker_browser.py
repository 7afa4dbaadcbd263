"""Choosing a size on a phone (Chromium at 390 x 844): the size picker swaps the price, the stock
line and the photo without a reload (HTMX) and the address says which size; each choice is a
target big enough for a thumb; "Add to cart" buys the size shown; the same works without
JavaScript (the picker is a GET form); a sold-out size offers the back-in-stock form; axe finds no
serious problem in English or Khmer."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from shop.audit.actors import Actor
from shop.catalog import variant_editing, variants
from shop.catalog.models import BackInStockAlert
from tests.factories import ProductFactory

PHONE = {"width": 390, "height": 844}
STAFF = Actor(None, "staff@example.com")
SEVERE = ("serious", "critical")
THUMB = 44  # px: the smallest target a thumb hits reliably (WCAG 2.5.5, Apple's and Android's guides)


def _photo(app, name: str, colour: str) -> str:
    folder = Path(app.config["UPLOAD_PATH"]) / "products"
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (60, 60), colour).save(folder / name)
    return f"/uploads/products/{name}"


@pytest.fixture
def serum(app, db):
    """A serum in 30 ml ($18, 10 in stock, the default), 50 ml ($26, 3 left) and a 100 ml refill
    ($40, sold out; a long name in Khmer), each with its own photo, as the demo's serums come."""
    product = ProductFactory(name_en="Glow Serum", price=Decimal("18.00"), stock=10, sku="GLOW-30")
    small = variants.default_variant(product)
    variant_editing.update_variant(
        small.id,
        {
            "option_name": "size",
            "option_value_en": "30 ml",
            "option_value_kh": "30 មីលីលីត្រ",
            "image_url": _photo(app, "glow-30.png", "#d8e6dc"),
        },
        actor=STAFF,
    )
    sizes = [small]
    for value, khmer, price, stock, colour in (
        ("50 ml", "50 មីលីលីត្រ", "26.00", 3, "#f3d9d2"),
        ("100 ml refill", "100 មីលីលីត្រ សម្រាប់បំពេញ", "40.00", 0, "#e9e0c9"),
    ):
        sizes.append(
            variant_editing.add_variant(
                product.id,
                {
                    "option_name": "size",
                    "option_value_en": value,
                    "option_value_kh": khmer,
                    "sku": f"GLOW-{value.split()[0]}",
                    "price": price,
                    "stock": stock,
                    "image_url": _photo(app, f"glow-{value.split()[0]}.png", colour),
                },
                actor=STAFF,
            )
        )
    db.session.commit()
    return product, sizes


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    tab = context.new_page()
    yield tab
    context.close()


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def _alerts(db) -> list[BackInStockAlert]:
    db.session.rollback()  # the live server committed them
    return list(db.session.scalars(sa.select(BackInStockAlert)))


def _severe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['help']}" for v in violations if v["impact"] in SEVERE]


def test_choosing_a_size_swaps_price_stock_and_photo_and_buys_that_size(live_server, phone, serum, db):
    product, (small, medium, large) = serum
    panel = phone.locator("#variant-panel")
    photo = phone.locator("#product-photo img")
    badge = phone.locator("#cart-badge .cart-badge__count")

    phone.goto(f"{live_server}/products/{product.slug}")
    expect(panel.locator(".price")).to_contain_text("$18.00")
    expect(panel.locator(".stock")).to_have_text("In stock")
    expect(photo).to_have_attribute("src", "/uploads/products/glow-30.png")
    expect(phone.get_by_role("radio", name=re.compile("^30 ml"))).to_be_checked()
    _no_sideways_scroll(phone)
    # With JavaScript the choice itself is the action: no "Choose this size" button to press.
    expect(phone.get_by_role("button", name="Choose this size")).to_be_hidden()
    for choice in phone.locator(".variant-choice").all():
        box = choice.bounding_box()
        assert box is not None and box["height"] >= THUMB and box["width"] >= THUMB, (choice.inner_text(), box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (choice.inner_text(), box)

    phone.evaluate("window.__sameDocument = true")
    phone.locator(".variant-choice", has_text="50 ml").tap()
    expect(phone).to_have_url(re.compile(rf"\?variant={medium.id}$"))
    expect(panel.locator(".price")).to_contain_text("$26.00")
    expect(panel.locator(".stock")).to_have_text("Only 3 left")
    expect(photo).to_have_attribute("src", "/uploads/products/glow-50.png")
    expect(phone.get_by_role("radio", name=re.compile("^50 ml"))).to_be_checked()
    expect(phone.get_by_role("radio", name=re.compile("^50 ml"))).to_be_focused()  # the swap keeps the focus
    expect(panel.locator("dd")).to_have_text("GLOW-50")
    assert phone.evaluate("window.__sameDocument === true")
    _no_sideways_scroll(phone)

    phone.get_by_role("button", name="Add to cart").tap()
    expect(badge).to_have_text("1")
    expect(phone.locator("#toasts")).to_contain_text("Added to your cart.")
    assert phone.evaluate("window.__sameDocument === true")

    phone.goto(f"{live_server}/cart")
    line = phone.locator(".cart-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Glow Serum (50 ml)")
    expect(line).to_contain_text("$26.00")
    _no_sideways_scroll(phone)

    # Back and the sold-out size: the back-in-stock form instead of the button.
    phone.go_back()
    expect(phone).to_have_url(re.compile(rf"\?variant={medium.id}$"))
    expect(phone.get_by_role("radio", name=re.compile("^50 ml"))).to_be_checked()
    phone.evaluate("window.__sameDocument = true")
    phone.locator(".variant-choice", has_text="100 ml").tap()
    expect(phone).to_have_url(re.compile(rf"\?variant={large.id}$"))
    expect(panel.locator(".stock")).to_have_text("Out of stock")
    expect(panel.locator(".price")).to_contain_text("$40.00")
    expect(photo).to_have_attribute("src", "/uploads/products/glow-100.png")
    expect(phone.get_by_role("button", name="Out of stock")).to_be_disabled()
    _no_sideways_scroll(phone)
    phone.get_by_label("Email").fill("waiting@example.com")
    phone.get_by_role("button", name="Email me when it is back").tap()
    expect(panel).to_contain_text("We will email you once when it is back in stock.")
    assert phone.evaluate("window.__sameDocument === true")
    (alert,) = _alerts(db)
    assert (alert.variant_id, alert.email) == (large.id, "waiting@example.com")


def test_the_picker_works_without_javascript(live_server, phone_without_js, serum, db):
    page = phone_without_js
    product, (small, medium, large) = serum
    panel = page.locator("#variant-panel")

    page.goto(f"{live_server}/products/{product.slug}")
    choose = page.get_by_role("button", name="Choose this size")
    expect(choose).to_be_visible()
    box = choose.bounding_box()
    assert box is not None and box["height"] >= THUMB, box
    page.locator(".variant-choice", has_text="50 ml").tap()
    choose.tap()
    expect(page).to_have_url(re.compile(rf"\?variant={medium.id}$"))
    expect(panel.locator(".price")).to_contain_text("$26.00")
    expect(panel.locator(".stock")).to_have_text("Only 3 left")
    expect(page.locator("#product-photo img")).to_have_attribute("src", "/uploads/products/glow-50.png")
    _no_sideways_scroll(page)

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").tap()
    expect(page).to_have_url(re.compile(rf"\?variant={medium.id}$"))  # back to the size bought
    page.goto(f"{live_server}/cart")
    line = page.locator(".cart-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("Glow Serum (50 ml)")
    expect(page.get_by_label("Quantity: Glow Serum (50 ml)")).to_have_value("2")
    expect(page.locator("#cart-subtotal")).to_contain_text("$52.00")

    page.goto(f"{live_server}/products/{product.slug}")
    page.locator(".variant-choice", has_text="100 ml").tap()
    page.get_by_role("button", name="Choose this size").tap()
    expect(page).to_have_url(re.compile(rf"\?variant={large.id}$"))
    expect(panel.locator(".stock")).to_have_text("Out of stock")
    page.get_by_label("Email").fill("nojs@example.com")
    page.get_by_role("button", name="Email me when it is back").tap()
    expect(page.locator("body")).to_contain_text("We will email you once when it is back in stock.")
    expect(page).to_have_url(re.compile(rf"\?variant={large.id}$"))
    assert [a.email for a in _alerts(db)] == ["nojs@example.com"]


@pytest.mark.parametrize("lang", ["en", "km"])
def test_the_picker_has_no_serious_accessibility_problem(live_server, phone, serum, lang):
    product, (small, medium, large) = serum
    problems = []
    for variant in (small, large):  # in stock, and sold out with the back-in-stock form
        phone.goto(f"{live_server}/products/{product.slug}?variant={variant.id}&lang={lang}")
        expect(phone.locator("#variant-panel")).to_be_visible()
        _no_sideways_scroll(phone)
        problems += _severe(phone)
    # ... and after an HTMX swap
    phone.goto(f"{live_server}/products/{product.slug}?lang={lang}")
    phone.locator(".variant-choice").nth(1).tap()
    expect(phone).to_have_url(re.compile(rf"variant={medium.id}"))
    problems += _severe(phone)
    assert problems == []
