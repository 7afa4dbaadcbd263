"""Every main page, in Chromium with the shop's Content-Security-Policy on, breaks none of it:
no `securitypolicyviolation` event and no CSP message in the console (inline scripts, inline
event handlers, injected <style> elements would all show here)."""

from __future__ import annotations

from tests.e2e.test_accessibility import _sign_in, shop_data  # noqa: F401  (the fixture)
from tests.factories import CouponFactory, OrderFactory

LISTEN = """() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    const where = (e.sourceFile || "") + ":" + e.lineNumber;
    window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
  });
}"""


def _watch(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda m: messages.append(m.text)
        if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
        else None,
    )
    page.add_init_script(f"({LISTEN})()")
    return messages


def _visit(page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.ok, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    return [f"{url}: {v}" for v in page.evaluate("window.__csp || []")]


def test_storefront_and_account_pages_keep_to_the_policy(live_server, page, shop_data):  # noqa: F811
    console = _watch(page)
    urls = [
        "/",
        "/shop",
        "/shop?q=serum",
        "/categories/serums",
        f"/products/{shop_data.slug}",
        f"/products/{shop_data.slug}?lang=km",
        "/cart",
        "/account/login",
        "/account/register",
    ]
    violations = [v for url in urls for v in _visit(page, live_server + url)]
    page.goto(f"{live_server}/products/{shop_data.slug}?lang=en")
    page.locator("form[action='/cart/add'] button[type=submit]").first.click()  # htmx at work
    page.wait_for_load_state("networkidle")
    violations += [f"add to cart: {v}" for v in page.evaluate("window.__csp || []")]
    _sign_in(page, live_server, "/account/login?lang=en", "reader@example.com")
    for url in ("/account", "/account/profile", "/account/addresses", "/orders", "/wishlist", "/checkout"):
        violations += _visit(page, live_server + url)
    assert violations == [] and console == []


def test_staff_pages_keep_to_the_policy(live_server, page, shop_data, db):  # noqa: F811
    coupon = CouponFactory(code="CSP10")
    order = OrderFactory()
    db.session.commit()
    console = _watch(page)
    _sign_in(page, live_server, "/admin/login", "boss@example.com")
    urls = [
        "/admin/",
        "/admin/products",
        f"/admin/products/{shop_data.id}",
        "/admin/categories",
        "/admin/orders",
        f"/admin/orders/{order.id}",
        f"/admin/orders/{order.id}/invoice",
        "/admin/customers",
        "/admin/reviews",
        "/admin/coupons",
        f"/admin/coupons/{coupon.id}",
        "/admin/analytics",
    ]
    violations = [v for url in urls for v in _visit(page, live_server + url)]
    assert violations == [] and console == []
