"""The storefront on a phone (Chromium at 390 x 844): a compact sticky header with a menu, the
filters in a drawer so products start on the first screen, the search suggestions as an ARIA
combobox, and user text that cannot widen or reverse the page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from shop.catalog.models import SkinType
from tests.factories import CategoryFactory, ProductFactory

PHONE = {"width": 390, "height": 844}
LONG_INTRO = (
    "Serums carry concentrated actives in light textures that sink in fast, which suits hot and humid days: "
    "vitamin C for a brighter tone, niacinamide for oil and pores, hyaluronic acid for moisture without weight."
)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def serums(db):
    face = CategoryFactory(name="Face care", slug="face")
    category = CategoryFactory(name="Serums", slug="serums", parent=face, description=LONG_INTRO)
    for name in ("Vitamin C", "Niacinamide", "Hyaluronic"):
        CategoryFactory(name=f"{name} serums", slug=f"{name.lower().replace(' ', '-')}-serums", parent=category)
    for n in range(8):
        item = ProductFactory(
            name_en=f"Glow Serum {n}",
            category="serums",
            skin_type=SkinType.OILY if n % 2 else SkinType.DRY,
            skin_concerns=["acne"] if n < 3 else ["dullness"],
            price=Decimal("10.00") + n,
        )
        item.categories.append(category)
    db.session.commit()
    return category


def test_the_first_product_card_is_on_the_first_screen(live_server, phone, serums):
    phone.goto(f"{live_server}/categories/serums")
    card = phone.locator(".product-card").first
    box = card.bounding_box()
    assert box is not None and box["y"] < 900, box
    header = phone.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= 130, header
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The sort is one tap away, outside the drawer.
    expect(phone.get_by_label("Sort by")).to_be_visible()
    # The header stays on screen when the page scrolls.
    phone.evaluate("window.scrollTo(0, 1500)")
    assert phone.evaluate("window.scrollY") > 1000
    assert phone.locator(".site-header").bounding_box()["y"] == 0


def test_the_menu_button_opens_the_navigation_with_the_keyboard(live_server, phone, db):
    phone.goto(f"{live_server}/")
    menu = phone.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()
    menu.focus()
    phone.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Skin analysis")).to_be_visible()
    expect(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Home")).to_be_focused()
    phone.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()


def test_the_filter_drawer_opens_filters_and_closes_with_the_keyboard(live_server, phone, serums):
    phone.goto(f"{live_server}/categories/serums")
    phone.evaluate("window.__sameDocument = true")
    toggle = phone.locator("[data-drawer-toggle]")
    expect(toggle).to_have_text("Filter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(phone.get_by_role("checkbox", name="Acne")).to_be_hidden()

    toggle.focus()
    phone.keyboard.press("Enter")
    drawer = phone.get_by_role("dialog", name="Filter")
    expect(drawer).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    acne = phone.get_by_role("checkbox", name="Acne")
    acne.focus()
    phone.keyboard.press("Space")
    expect(phone.locator("#results-count")).to_have_text("3 products")
    expect(phone).to_have_url(re.compile(r"concern=acne"))
    phone.get_by_role("radio", name="Oily").focus()
    phone.keyboard.press("Space")
    expect(phone.locator("#results-count")).to_have_text("1 product")
    # Tab stays inside the open drawer.
    for _ in range(30):
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.closest('#filter-drawer') !== null")

    phone.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(phone.locator("[data-drawer-toggle]")).to_have_text("Filter (2)")
    expect(phone.locator("[data-drawer-toggle]")).to_be_focused()
    expect(phone.locator("[data-drawer-toggle]")).to_have_attribute("aria-expanded", "false")
    assert phone.evaluate("window.__sameDocument === true")

    phone.reload()  # the pushed URL is a real page with the same count
    expect(phone.locator("[data-drawer-toggle]")).to_have_text("Filter (2)")


def test_the_sort_is_one_tap_away(live_server, phone, serums):
    phone.goto(f"{live_server}/categories/serums")
    phone.get_by_label("Sort by").select_option("price_desc")
    expect(phone).to_have_url(re.compile(r"sort=price_desc"))
    expect(phone.locator(".product-card__name").first).to_have_text("Glow Serum 7")


def test_suggestions_are_a_combobox_navigable_with_arrow_keys(live_server, phone, db):
    for name in ("Hyaluronic Serum", "Hyaluronic Gel Cream", "Rice Toner"):
        ProductFactory(name_en=name, price=Decimal("18.00"))
    db.session.commit()
    phone.goto(f"{live_server}/")
    box = phone.get_by_role("combobox", name="Search products")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("hyal", delay=30)
    listbox = phone.get_by_role("listbox", name="Suggestions")
    expect(listbox.get_by_role("option")).to_have_count(3)  # two products and "see all results"
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "search-suggestions-list")
    expect(listbox).to_contain_text("$18.00")
    expect(listbox).to_contain_text("៛73,800")
    panel = listbox.bounding_box()
    assert panel is not None and panel["width"] >= 340 and panel["x"] + panel["width"] <= PHONE["width"]

    box.press("ArrowDown")
    first = listbox.get_by_role("option").nth(0)
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("ArrowDown")
    second = listbox.get_by_role("option").nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    expect(first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_be_focused()
    name = first.locator(".suggestion__name").inner_text()

    box.press("Enter")
    expect(phone).to_have_url(re.compile(r"/products/"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(name)


def test_escape_closes_the_suggestions_and_enter_searches(live_server, phone, db):
    ProductFactory(name_en="Hyaluronic Serum")
    db.session.commit()
    phone.goto(f"{live_server}/")
    box = phone.get_by_role("combobox", name="Search products")
    box.press_sequentially("hyal", delay=30)
    expect(phone.get_by_role("option")).to_have_count(2)
    box.press("Escape")
    expect(phone.get_by_role("option")).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("hyal")
    box.press("Enter")  # no active option: the search form
    expect(phone).to_have_url(re.compile(r"/shop\?q=hyal"))


def test_a_long_or_reversed_query_neither_widens_nor_reverses_the_page(live_server, phone, db):
    ProductFactory(name_en="Rice Toner")
    db.session.commit()
    phone.goto(f"{live_server}/shop?q=" + "x" * 1000)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    heading = phone.get_by_role("heading", level=1)
    expect(heading).to_contain_text("…")
    assert len(heading.inner_text()) < 80
    assert phone.get_by_role("combobox", name="Search products").get_attribute("maxlength") == "200"

    phone.goto(f"{live_server}/shop?q=%E2%80%AEabc")  # U+202E RIGHT-TO-LEFT OVERRIDE, then "abc"
    assert "\u202e" not in phone.locator("main").inner_text()
    bdi = heading.locator("bdi")
    expect(bdi).to_have_text("abc")
    # The page's own words after the query read left to right as written.
    expect(phone.locator(".listing-empty")).to_contain_text("Try another word, or fewer filters.")


def _severe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['help']}" for v in violations if v["impact"] in SEVERE]


SEVERE = ("serious", "critical")


@pytest.mark.parametrize("lang", ["en", "km"])
def test_axe_finds_no_serious_problem_on_the_new_pages(live_server, phone, browser, serums, db, lang):
    from shop.content.defaults import DEFAULT_PAGES, ensure_default_pages
    from tests.factories import PASSWORD, AdminFactory

    ensure_default_pages()
    AdminFactory(email="boss@example.com")
    db.session.commit()
    problems: list[str] = []
    for page in DEFAULT_PAGES:
        phone.goto(f"{live_server}/pages/{page['slug']}?lang={lang}")
        expect(phone.get_by_role("heading", level=1)).to_have_text(page["title_en" if lang == "en" else "title_km"])
        problems += _severe(phone)

    phone.goto(f"{live_server}/categories/serums?lang={lang}")
    problems += _severe(phone)
    phone.locator("[data-drawer-toggle]").click()
    expect(phone.locator("#filter-drawer")).to_have_attribute("role", "dialog")
    problems += _severe(phone)
    phone.keyboard.press("Escape")
    phone.locator("[data-menu-toggle]").click()
    expect(phone.locator("#site-menu")).to_be_visible()
    problems += _severe(phone)
    phone.keyboard.press("Escape")
    phone.locator("#site-search-q").press_sequentially("glow", delay=30)
    expect(phone.get_by_role("option").first).to_be_visible()
    phone.locator("#site-search-q").press("ArrowDown")
    problems += _severe(phone)

    context = browser.new_context()
    staff = context.new_page()
    staff.goto(f"{live_server}/admin/login?lang={lang}")
    staff.locator("input[name=email]").fill("boss@example.com")
    staff.locator("input[name=password]").fill(PASSWORD)
    staff.locator("main form button[type=submit]").click()
    staff.wait_for_load_state()
    staff.goto(f"{live_server}/admin/pages?lang={lang}")
    problems += _severe(staff)
    staff.locator("table a").first.click()
    staff.wait_for_load_state()
    problems += _severe(staff)
    context.close()
    assert problems == []
