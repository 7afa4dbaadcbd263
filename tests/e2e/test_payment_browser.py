"""A guest pays by KHQR in Chromium: checkout in riel, the payment page with its QR and live
countdown, the fake Bakong marks the QR paid, and the page turns to "Paid" without a reload
(HTMX polls our server; the check runs as the RQ job it is, by a worker burst here)."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from shop.orders.models import Order, PaymentStatus
from shop.payments import services as payments
from tests.factories import ProductFactory
from tests.support.fake_bakong import khqr_switched_on

SEVERE = ("serious", "critical")
CSP_LISTENER = """() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective));
}"""


def test_a_khqr_order_turns_to_paid_without_a_reload(live_server, page, app, db, run_jobs, smtp_server):
    product = ProductFactory(name_en="Rice Water Toner", price=Decimal("12.50"), stock=5)
    with khqr_switched_on(app) as fake:
        page.add_init_script(f"({CSP_LISTENER})()")
        page.goto(f"{live_server}/products/{product.slug}")
        page.locator(".buy-box button[type=submit]").first.click()
        expect(page.locator("#cart-badge .cart-badge__count")).to_have_text("1")
        page.goto(f"{live_server}/checkout")
        page.locator("#email").fill("pay.by.khqr@example.com")
        page.locator("#first_name").fill("Srey")
        page.locator("#phone").fill("012 345 678")
        page.locator("#province").select_option("KH-12")
        page.locator("#address_line1").fill("No. 5, Street 51")
        page.locator("#shipping-standard").check()
        page.locator("#payment-khqr").check()
        page.locator("#currency-KHR").check()
        page.locator("form.checkout-form button[type=submit].btn-primary").click()
        expect(page.locator("#review-khqr-amount")).to_be_visible()
        page.locator("form[action='/checkout/place'] button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/orders/guest/[^/]+/payment$"))

        order = db.session.scalar(sa.select(Order))
        attempt = payments.current_attempt(order.id)
        assert (attempt.currency, order.payment_currency) == ("KHR", "KHR")
        expect(page.locator("#payment-amount")).to_have_text(re.compile(r"៛[\d,]+"))
        expect(page.locator("#payment-qr svg")).to_be_visible()
        expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^1?\d:\d\d left$"))  # payment.js
        page.evaluate("window.__sameDocument = true")
        problems = _severe(page)

        fake.pay(attempt.md5, amount=attempt.amount, currency="KHR")
        deadline = time.monotonic() + 30
        heading = page.locator("#payment-heading")
        while time.monotonic() < deadline and heading.text_content() != "Paid, thank you!":
            run_jobs()  # the checks the page's polls asked for
            page.wait_for_timeout(500)
        expect(heading).to_have_text("Paid, thank you!")
        assert page.evaluate("window.__sameDocument") is True  # swapped in, not reloaded
        assert page.evaluate("window.__csp") == []
        assert fake.asked(attempt.md5) >= 1
        page.goto(page.url + "?lang=km")
        expect(page.locator("#payment-heading")).to_have_text("បានបង់ប្រាក់ហើយ សូមអរគុណ!")
        problems += _severe(page)
        assert problems == []

    db.session.expire_all()
    assert db.session.get(Order, order.id).payment_status == PaymentStatus.PAID
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["pay.by.khqr@example.com"]


def _severe(page) -> list[str]:
    """axe-core's serious and critical problems on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    return [f"{page.url}: {v['id']}: {v['help']}" for v in violations if v["impact"] in SEVERE]
