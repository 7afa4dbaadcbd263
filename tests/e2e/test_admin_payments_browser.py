"""The staff order page's payment section in a real browser: attempts, a mismatch and the
provider's raw answer (collapsible), no serious accessibility problem in English or Khmer, and
the order list's payment filter swapping only the results (HTMX)."""

from __future__ import annotations

from decimal import Decimal

from axe_playwright_python.sync_playwright import Axe

from shop.audit.actors import Actor
from shop.orders import services as orders
from shop.payments import services as payments
from tests.factories import PASSWORD, AdminFactory, ProductFactory, UserFactory
from tests.payments.conftest import fake_bakong  # noqa: F401
from tests.payments.helpers import PHNOM_PENH, place_khqr_order

SEVERE = ("serious", "critical")


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/admin/login")
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_payment_section_and_filter(live_server, page, db, fake_bakong):  # noqa: F811
    admin = AdminFactory(email="boss@example.com")
    order, attempt = place_khqr_order(UserFactory(), ProductFactory(price=Decimal("20.00")))
    fake_bakong.pay(attempt.md5, amount=attempt.amount, to_account="someone@aclb")  # the wrong account
    payments.check_attempt(attempt.id)
    user = UserFactory()
    cod = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(ProductFactory().id, 1)], email=user.email, user_id=user.id,
            shipping_address=PHNOM_PENH,
        )
    )  # fmt: skip
    payments.record_cash_received(cod.id, cod.total, actor=Actor.of(admin))
    _sign_in(page, live_server)

    for lang in ("en", "km"):
        page.goto(f"{live_server}/admin/orders/{order.id}?lang={lang}")
        violations = Axe().run(page).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in SEVERE] == [], lang
    page.goto(f"{live_server}/admin/orders/{order.id}")
    mismatch = page.get_by_test_id("payment-mismatch")
    assert "someone@aclb" in mismatch.inner_text()
    raw = page.locator("[data-kind=mismatch] details")
    assert not raw.locator("pre").is_visible()
    raw.locator("summary").click()
    assert "someone@aclb" in raw.locator("pre").inner_text()
    page.screenshot(path="/tmp/paystaff-order-payments.png", full_page=True)

    page.goto(f"{live_server}/admin/orders")
    page.evaluate("window.__kept = true")  # gone if the page reloads
    page.locator("select#payment_status").select_option("paid")
    page.wait_for_url("**payment_status=paid**")
    results = page.locator("#order-results")
    results.get_by_text(cod.order_number).wait_for()
    assert order.order_number not in results.inner_text()
    assert page.evaluate("window.__kept === true")  # swapped in place, no reload
