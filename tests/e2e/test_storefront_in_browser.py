"""The storefront in a real browser (Debian's Chromium through Playwright)."""

from __future__ import annotations

from pathlib import Path

from tests.factories import CategoryFactory, ProductFactory

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_shopper_switches_to_khmer_and_sees_khmer_names_in_the_khmer_font(live_server, page, db):
    CategoryFactory(name="Serums", name_kh="សេរ៉ូម")
    ProductFactory(name_en="Vitamin C Glow Serum", name_kh="សេរ៉ូមវីតាមីនសេ", is_featured=True)

    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Vitamin C Glow Serum").first.is_visible()

    page.get_by_role("link", name="ខ្មែរ").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "km"
    assert page.get_by_role("link", name="សេរ៉ូមវីតាមីនសេ").first.is_visible()
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Noto Sans Khmer') && f.status === 'loaded').length"
    )
    assert loaded >= 1

    # The choice sticks while browsing.
    page.get_by_role("link", name="សេរ៉ូមវីតាមីនសេ").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "សេរ៉ូមវីតាមីនសេ"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "product-km.png"), full_page=True)


def test_layout_fits_a_phone_screen(live_server, browser, db):
    ProductFactory(is_featured=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone = context.new_page()
    phone.goto(live_server + "/?lang=km")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 0
