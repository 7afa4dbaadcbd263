"""The staff area on a phone (Chromium at 390 x 844): the sections are one row that scrolls
sideways, so the page's own content starts on the first screen instead of below a column of
eleven links; the dashboard's tables scroll inside their frames (a scroll container's minimum
width is 0) rather than widen the page."""

from __future__ import annotations

from tests.factories import PASSWORD, AdminFactory, OrderFactory

PHONE = {"width": 390, "height": 844}


def test_the_staff_menu_is_one_row_and_the_dashboard_starts_on_the_first_screen(live_server, browser, db):
    AdminFactory(email="boss@example.com")
    # Recent orders with long addresses: the widest table a dashboard shows.
    OrderFactory.create_batch(3, customer_email="sokha.chan.long-address-for-testing@example.com.kh")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/admin/login")
        page.get_by_label("Email").fill("boss@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        links = page.locator(".admin-menu a")
        assert links.count() > 5
        tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count())) if box}
        assert len(tops) == 1, tops  # one row
        assert all((links.nth(i).bounding_box() or {"height": 0})["height"] >= 44 for i in range(3))
        heading = page.locator("main h1").first.bounding_box()
        assert heading is not None and heading["y"] < PHONE["height"] / 2, heading
        # The last section is reachable by scrolling the row, not the page.
        last = links.last
        last.scroll_into_view_if_needed()
        assert last.is_visible()
        assert page.locator(".table-wrap").count() >= 2
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, overflow
    finally:
        context.close()
