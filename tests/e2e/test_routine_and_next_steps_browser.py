"""Issue 18 in a real browser at 390 px: the whole skin routine goes into the cart without a
reload; the staff next-step buttons take an order from pending to shipped; axe finds no serious
or critical problem on the changed pages in English and Khmer."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from shop.orders.models import Order, OrderStatus
from shop.reviews.models import ReviewStatus
from tests.factories import PASSWORD, AdminFactory, OrderFactory, ReviewFactory
from tests.recommendations.test_skin_analysis import routine_shop

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}
SEVERE = ("serious", "critical")


def _take_the_analysis(tab, base: str) -> None:
    tab.goto(f"{base}/skin-analysis?lang=en")
    answers = {"skin_feel": "shiny_all", "midday": "shiny_all", "reactions": "rarely", "concerns": "acne"}
    for step in range(5):
        for code, value in answers.items():
            choice = tab.locator(f'main input:is([type=radio],[type=checkbox])[name="{code}"][value="{value}"]')
            if choice.count():
                choice.check()
        tab.locator('main button[name="direction"][value="next"]').click()
        if step < 4:
            expect(tab.get_by_text(f"Step {step + 2} of 5")).to_be_visible()
    tab.wait_for_url(f"{base}/skin-analysis/result")


def _problems(tab, url: str) -> list[str]:
    response = tab.goto(url)
    assert response is not None and response.ok, url
    violations = Axe().run(tab).response["violations"]
    return [f"{url}: {v['id']} ({v['impact']}): {v['help']}" for v in violations if v["impact"] in SEVERE]


def test_add_the_whole_routine_to_the_cart_without_a_reload(live_server, browser, db):
    routine_shop()
    db.session.commit()
    context = browser.new_context(**PHONE)
    tab = context.new_page()
    _take_the_analysis(tab, live_server)
    badge = tab.locator("#cart-badge .cart-badge__count")
    expect(badge).to_have_text("0")
    products = tab.locator('form.routine-cart input[name="product"]').count()
    assert products >= 4
    tab.evaluate("window.__sameDocument = true")
    tab.get_by_role("button", name="Add the whole routine to cart").click()
    expect(badge).to_have_text(str(products))
    expect(tab.locator("#routine-cart-note")).to_contain_text(f"{products} products added to your cart.")
    assert tab.evaluate("window.__sameDocument === true")
    problems = _problems(tab, f"{live_server}/skin-analysis/result?lang=en")
    problems += _problems(tab, f"{live_server}/skin-analysis/result?lang=km")
    context.close()
    assert problems == []


def test_next_step_buttons_take_an_order_from_pending_to_shipped(live_server, browser, db):
    AdminFactory(email="boss@example.com")
    order = OrderFactory(status=OrderStatus.PENDING, notes="Blue gate", customer_phone="+85512345678",
                         shipping_address={"address_line1": "No. 5, Street 63", "country": "Cambodia"})  # fmt: skip
    db.session.commit()
    context = browser.new_context(**PHONE)
    tab = context.new_page()
    tab.goto(f"{live_server}/admin/login?lang=en")
    tab.get_by_label("Email").fill("boss@example.com")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_load_state()
    tab.goto(f"{live_server}/admin/orders/{order.id}")
    status = tab.get_by_test_id("status")
    expect(status).to_have_text("pending")
    expect(tab.get_by_test_id("order-note")).to_have_text("Blue gate")
    tab.get_by_role("button", name="Confirm").click()
    expect(status).to_have_text("confirmed")
    tab.get_by_role("button", name="Start packing").click()
    expect(status).to_have_text("processing")
    tab.get_by_label("Tracking number").fill("KH-777")
    tab.get_by_role("button", name="Ship", exact=True).click()
    expect(status).to_have_text("shipped")
    expect(tab.get_by_test_id("tracking")).to_have_text("KH-777")
    expect(tab.get_by_role("button", name="Mark delivered")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.SHIPPED
    ReviewFactory(comment="A long one. " * 30, status=ReviewStatus.PENDING)
    db.session.commit()
    problems = []
    urls = [f"/admin/orders/{order.id}", f"/admin/orders/{order.id}?lang=km", "/admin/?lang=km"]
    urls += ["/admin/analytics?lang=km", "/admin/reviews", "/admin/reviews?lang=km", "/admin/orders?lang=km"]
    for url in urls:
        problems += _problems(tab, live_server + url)
    context.close()
    assert problems == []
