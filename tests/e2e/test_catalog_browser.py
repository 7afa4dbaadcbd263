"""Listings and search suggestions in a real browser (Chromium): filters and pages swap only the
results through HTMX and push the URL, so Back and bookmarks keep working."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from shop.catalog.models import SkinType
from tests.factories import ProductFactory


def _mark_page(page) -> None:
    page.evaluate("window.__sameDocument = true")  # a page load would wipe it out


def _same_page(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_filters_and_pages_swap_the_results_and_push_the_url(live_server, page, db):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(26):  # 24 per page: two pages
        ProductFactory(name_en=f"Toner {n:02d}", skin_type=SkinType.DRY, created_at=start + timedelta(hours=n))
    ProductFactory(name_en="Oil Control Gel", skin_type=SkinType.OILY, created_at=start - timedelta(days=1))
    db.session.commit()
    count = page.locator("#results-count")

    page.goto(f"{live_server}/shop")
    expect(count).to_have_text("27 products")
    _mark_page(page)

    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"/shop\?.*page=2"))
    expect(page.locator("#catalog-results")).to_contain_text("Oil Control Gel")  # the oldest
    assert _same_page(page)

    page.go_back()
    expect(page).to_have_url(f"{live_server}/shop")
    expect(page.locator("#catalog-results")).to_contain_text("Toner 25")

    page.get_by_label("Oily").check()
    expect(count).to_have_text("1 product")
    expect(page).to_have_url(re.compile(r"skin_type=oily"))
    expect(page.locator("#catalog-results")).to_contain_text("Oil Control Gel")
    assert _same_page(page)

    page.reload()  # the pushed URL is a real page: a bookmark shows the same list
    expect(count).to_have_text("1 product")
    expect(page.get_by_label("Oily")).to_be_checked()


def test_search_suggestions_drop_down_while_typing(live_server, page, db):
    ProductFactory(name_en="Hyaluronic Serum")
    ProductFactory(name_en="Rice Toner")
    db.session.commit()
    page.goto(f"{live_server}/")
    _mark_page(page)
    page.get_by_placeholder("Search products").press_sequentially("hyal", delay=30)
    suggestions = page.locator("#search-suggestions")
    expect(suggestions).to_contain_text("Hyaluronic Serum")
    expect(suggestions).not_to_contain_text("Rice Toner")
    assert _same_page(page)
    suggestions.get_by_role("option", name=re.compile("Hyaluronic Serum")).click()
    expect(page).to_have_url(re.compile(r"/products/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hyaluronic Serum")
