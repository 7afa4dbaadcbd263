"""A guest pays by KHQR in Chromium: checkout in riel, the payment page with its QR and live
countdown, the fake Bakong marks the QR paid, and the page turns to "Paid" without a reload
(HTMX polls our server; the check runs as the RQ job it is, by a worker burst here). On a phone
(390 px) the "Open in my bank app" link the deeplink job got from the fake Bakong arrives above
the QR without a reload; on a wide screen the QR stays first."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from shop.orders import guests
from shop.orders import services as orders
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


def test_on_a_phone_open_in_my_bank_app_arrives_above_the_qr(live_server, browser, app, db, run_jobs):
    product = ProductFactory(name_en="Snail Essence", price=Decimal("18.00"), stock=5)
    with khqr_switched_on(app) as fake:
        order = orders.place_order(
            orders.Checkout(
                items=[orders.BasketItem(product.id, 1)],
                email="on.the.phone@example.com",
                customer_name="Dara",
                user_id=None,
                phone="+85512345678",
                shipping_address={"first_name": "Dara", "address_line1": "No. 5, Street 51", "province": "KH-12",
                                  "phone": "012 345 678"},
                payment_method="khqr",
                currency="USD",
            )
        )  # fmt: skip
        attempt = payments.current_attempt(order.id)
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
        page = context.new_page()
        page.add_init_script(f"({CSP_LISTENER})()")
        page.goto(f"{live_server}/orders/guest/{guests.order_token(order)}/payment")
        expect(page.locator("#payment-qr svg")).to_be_visible()
        expect(page.locator("#payment-save-qr")).to_be_visible()
        assert page.locator("#payment-open-app").count() == 0  # the job has not run yet
        page.evaluate("window.__sameDocument = true")

        run_jobs()  # the deeplink job asks the fake Bakong; the page's next poll swaps the link in
        link = page.locator("#payment-open-app")
        expect(link).to_be_visible(timeout=10_000)
        expect(link).to_have_text("Open in my bank app")
        expect(link).to_have_attribute("href", fake.link_for(attempt.qr_string))
        assert fake.link_for(attempt.qr_string).startswith("https://bakong.page.link/")
        assert page.evaluate("window.__sameDocument") is True  # swapped in, not reloaded
        button, qr = link.bounding_box(), page.locator("#payment-qr").bounding_box()
        assert button["y"] + button["height"] <= qr["y"]  # first on the phone that pays
        assert button["width"] >= 300 and button["height"] >= 44  # a wide button, easy to tap
        expect(page.locator("#payment-save-qr")).to_be_visible()  # the fallback stays
        expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^1?\d:\d\d left$"))
        problems = _severe(page)

        page.set_viewport_size({"width": 1366, "height": 900})  # a wide screen: the QR is the main thing
        expect(link).to_be_visible()
        assert link.bounding_box()["y"] > page.locator("#payment-qr").bounding_box()["y"]
        expect(page.locator("#payment-save-qr")).to_be_hidden()
        assert page.evaluate("window.__csp") == []
        assert problems == []
        context.close()


def _severe(page) -> list[str]:
    """axe-core's serious and critical problems on the page as it is now."""
    violations = Axe().run(page).response["violations"]
    return [f"{page.url}: {v['id']}: {v['help']}" for v in violations if v["impact"] in SEVERE]
