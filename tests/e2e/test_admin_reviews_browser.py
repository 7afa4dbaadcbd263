"""Review moderation in a real browser (Chromium): a moderator approves a review in the queue
and the row and the pending counter change without the page reloading."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from shop.reviews.models import Review, ReviewStatus
from tests.factories import PASSWORD, ModeratorFactory, ProductFactory, ReviewFactory

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_a_moderator_approves_a_review_without_a_reload(live_server, page, db):
    moderator = ModeratorFactory(first_name="Mealea")
    product = ProductFactory(name_en="Glow Serum")
    review = ReviewFactory(
        product_id=product.id, customer_name="Sokha C.", title="Calmed my skin", status=ReviewStatus.PENDING
    )
    ReviewFactory(product_id=product.id, customer_name="Dara K.", status=ReviewStatus.PENDING)

    page.goto(f"{live_server}/admin/login")
    page.get_by_label("Email").fill(moderator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/admin/")
    page.get_by_role("link", name="Reviews").click()
    page.wait_for_url(f"{live_server}/admin/reviews")

    counter = page.locator("#reviews-pending")
    row = page.locator(f"#review-{review.id}")
    expect(counter).to_have_text("2 pending")
    expect(row).to_contain_text("Calmed my skin")
    expect(row.locator(".status-badge")).to_have_text("Pending")
    page.evaluate("window.__sameDocument = true")

    approve = row.get_by_role("button", name=re.compile(r"^Approve\W+Sokha C\.$"))
    approve.click()

    expect(row.locator(".status-badge")).to_have_text("Approved")
    expect(counter).to_have_text("1 pending")
    expect(page.locator("#toasts")).to_contain_text("Review approved.")
    expect(approve).to_have_count(0)  # an approved review can be rejected or reopened, not approved again
    assert page.evaluate("window.__sameDocument === true")  # no navigation happened
    assert page.url == f"{live_server}/admin/reviews"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin-reviews-approved.png"), full_page=True)

    db.session.expire_all()
    assert db.session.get(Review, review.id).status == ReviewStatus.APPROVED
