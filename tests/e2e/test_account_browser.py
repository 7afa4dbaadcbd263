"""The account pages in a real browser (Chromium): sign up, sign out, sign in, in Khmer, on a phone."""

from __future__ import annotations

from pathlib import Path

from tests.factories import PASSWORD, UserFactory

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_shopper_signs_up_signs_out_and_signs_back_in(live_server, page, db):
    page.goto(live_server + "/account/register")
    page.get_by_label("First name").fill("Sokha")
    page.get_by_label("Email").fill("sokha@example.com")
    page.get_by_label("Password", exact=True).fill("mekong-sunrise-2026")
    page.get_by_label("Repeat the password").fill("mekong-sunrise-2026")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(live_server + "/account")
    assert page.locator("h1").inner_text() == "My account"
    assert page.get_by_text("Welcome! Please check your email to confirm your address.").is_visible()

    page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server + "/")
    assert page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").is_visible()

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    page.get_by_role("button", name="Sign in").click()  # empty: the server marks the fields
    assert page.get_by_label("Email").get_attribute("aria-invalid") == "true"
    assert page.locator("#email-error").inner_text() == "This field is required."
    page.get_by_label("Email").fill("sokha@example.com")
    page.get_by_label("Password").fill("mekong-sunrise-2026")
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/account")
    remember = [c for c in page.context.cookies() if c["name"] == "remember_token"]
    assert len(remember) == 1
    assert remember[0]["httpOnly"] is True
    assert remember[0]["sameSite"] == "Lax"


def test_signed_in_header_and_account_pages_fit_a_phone_in_khmer(live_server, browser, db):
    user = UserFactory()
    context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2)
    phone = context.new_page()
    phone.goto(live_server + "/account/login?lang=km")
    phone.locator("#email").fill(user.email)
    phone.locator("#password").fill(PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(live_server + "/account")
    SHOTS.mkdir(exist_ok=True)
    overflows = {}
    for path in ("/account", "/account/profile", "/account/addresses/new", "/"):
        phone.goto(live_server + path)
        assert phone.locator("html").get_attribute("lang") == "km"
        overflows[path] = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    phone.goto(live_server + "/account/profile")
    phone.screenshot(path=str(SHOTS / "account-profile-km-phone.png"), full_page=True)
    context.close()
    assert overflows == {path: 0 for path in overflows}
