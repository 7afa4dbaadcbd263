"""Review moderation: the queue at /admin/reviews (HTMX row swaps with the pending counter out of
band, bulk actions, delete) and /api/v1/admin/reviews*, each change in the audit log, ratings
recounted and the catalog caches told."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.catalog.models import Product
from shop.reviews.models import Review, ReviewStatus
from tests.admin.helpers import audit_entries, csrf_token, staff_page_client, token
from tests.factories import AdminFactory, ModeratorFactory, ProductFactory, ReviewFactory, UserFactory

HTMX = {"HX-Request": "true"}


def _status(db, review_id: int) -> ReviewStatus:
    db.session.expire_all()
    return db.session.get(Review, review_id).status


def test_the_queue_shows_pending_reviews_first_and_filters(client, db):
    staff_page_client(client, ModeratorFactory())
    toner, serum = ProductFactory(name_en="Toner"), ProductFactory(name_en="Serum")
    ReviewFactory(product_id=toner.id, title="Waiting one", rating=2, status=ReviewStatus.PENDING)
    ReviewFactory(product_id=serum.id, title="Waiting two", rating=5, status=ReviewStatus.PENDING)
    ReviewFactory(product_id=toner.id, title="Old approved", status=ReviewStatus.APPROVED)
    page = client.get("/admin/reviews")
    assert page.status_code == 200
    assert "Waiting one" in page.text and "Waiting two" in page.text and "Old approved" not in page.text
    assert re.search(r'id="reviews-pending"[^>]*>2 pending</span>', page.text)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Old approved" in client.get("/admin/reviews?status=approved").text
    by_rating = client.get("/admin/reviews?status=all&rating=2").text
    assert "Waiting one" in by_rating and "Waiting two" not in by_rating
    by_product = client.get(f"/admin/reviews?status=all&product={serum.id}").text
    assert "Waiting two" in by_product and "Waiting one" not in by_product and "Old approved" not in by_product
    by_words = client.get("/admin/reviews?status=all&q=serum").text
    assert "Waiting two" in by_words and "Waiting one" not in by_words
    assert client.get("/admin/reviews?rating=9").status_code == 400
    assert client.get("/admin/reviews?status=lost").status_code == 400
    bad_page = client.get("/admin/reviews?page=x")  # the shop's one rule for page numbers
    assert bad_page.status_code == 400 and "There is no such page." in bad_page.text


def test_approve_with_htmx_swaps_the_row_updates_the_counter_and_the_rating(client, db, redis_client):
    moderator = ModeratorFactory(email="mod@example.com")
    staff_page_client(client, moderator)
    product = ProductFactory()
    review = ReviewFactory(product_id=product.id, rating=4, status=ReviewStatus.PENDING)
    ReviewFactory(status=ReviewStatus.PENDING)
    client.get(f"/api/v1/products/{product.id}")
    assert redis_client.exists(f"api:product:{product.id}")

    token_value = csrf_token(client, "/admin/reviews")
    response = client.post(
        f"/admin/reviews/{review.id}/approve",
        data={"csrf_token": token_value, "next": "/admin/reviews"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="review-{review.id}" class="review-row review-row--approved">')
    assert re.search(r'id="reviews-pending" hx-swap-oob="true"[^>]*>1 pending</span>', response.text)
    assert "Review approved." in response.text
    assert _status(db, review.id) == ReviewStatus.APPROVED
    stored = db.session.get(Product, product.id)
    assert (stored.rating_avg, stored.rating_count) == (Decimal("4.00"), 1)
    assert not redis_client.exists(f"api:product:{product.id}")

    [entry] = audit_entries(db, "review.approve")
    assert (entry.actor_id, entry.actor_email, entry.entity_type, entry.entity_id) == (
        moderator.id,
        "mod@example.com",
        "review",
        str(review.id),
    )
    assert (entry.before, entry.after) == ({"status": "pending"}, {"status": "approved"})
    assert entry.created_at is not None and entry.ip_address == "127.0.0.1" and entry.request_id


def test_reject_and_reopen_without_javascript_redirect_back(client, db):
    staff_page_client(client, AdminFactory())
    review = ReviewFactory(status=ReviewStatus.APPROVED)
    token_value = csrf_token(client, "/admin/reviews")
    response = client.post(
        f"/admin/reviews/{review.id}/reject", data={"csrf_token": token_value, "next": "/admin/reviews?status=all"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/reviews?status=all"
    assert _status(db, review.id) == ReviewStatus.REJECTED
    client.post(f"/admin/reviews/{review.id}/reopen", data={"csrf_token": token_value})
    assert _status(db, review.id) == ReviewStatus.PENDING
    assert [e.action for e in audit_entries(db)] == ["review.reject", "review.reopen"]
    assert client.post(f"/admin/reviews/{review.id}/explode", data={"csrf_token": token_value}).status_code == 404
    missing = client.post("/admin/reviews/987654/approve", data={"csrf_token": token_value}, headers=HTMX)
    assert missing.status_code == 404 and missing.headers["HX-Reswap"] == "none"


def test_delete_with_htmx_removes_the_row_and_keeps_the_text_in_the_audit_log(client, db):
    staff_page_client(client, ModeratorFactory())
    review = ReviewFactory(comment="Spam spam", status=ReviewStatus.PENDING)
    review_id = review.id
    response = client.post(
        f"/admin/reviews/{review_id}/delete", data={"csrf_token": csrf_token(client, "/admin/reviews")}, headers=HTMX
    )
    assert response.status_code == 200
    assert re.search(r'id="reviews-pending" hx-swap-oob="true"[^>]*>0 pending</span>', response.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    [entry] = audit_entries(db, "review.delete")
    assert entry.before["comment"] == "Spam spam" and entry.before["status"] == "pending" and entry.after is None


def test_bulk_approve_reject_and_delete(client, db):
    staff_page_client(client, ModeratorFactory())
    reviews = [ReviewFactory(status=ReviewStatus.PENDING) for _ in range(3)]
    ids = [str(r.id) for r in reviews]
    token_value = csrf_token(client, "/admin/reviews")
    response = client.post(
        "/admin/reviews/bulk",
        data={"csrf_token": token_value, "action": "approve", "ids": ids[:2], "next": "/admin/reviews"},
    )
    assert response.status_code == 303
    assert [_status(db, r.id) for r in reviews] == [ReviewStatus.APPROVED, ReviewStatus.APPROVED, ReviewStatus.PENDING]
    assert "2 reviews updated." in client.get("/admin/reviews").text
    client.post("/admin/reviews/bulk", data={"csrf_token": token_value, "action": "reject", "ids": ids})
    assert {_status(db, r.id) for r in reviews} == {ReviewStatus.REJECTED}
    assert len(audit_entries(db, "review.reject")) == 3
    # Nothing chosen: said so, nothing changes.
    client.post("/admin/reviews/bulk", data={"csrf_token": token_value, "action": "approve"})
    assert "Choose at least one review." in client.get("/admin/reviews?status=all").text
    client.post("/admin/reviews/bulk", data={"csrf_token": token_value, "action": "delete", "ids": ids})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    assert len(audit_entries(db, "review.delete")) == 3
    assert client.post("/admin/reviews/bulk", data={"csrf_token": token_value, "action": "burn"}).status_code == 400


def test_customers_cannot_moderate(client, db):
    review = ReviewFactory(status=ReviewStatus.PENDING)
    user = UserFactory()
    from tests.web.test_account_pages import sign_in

    sign_in(client, user.email)
    assert client.get("/admin/reviews").status_code == 403
    assert (
        client.post(
            f"/admin/reviews/{review.id}/approve", data={"csrf_token": csrf_token(client, "/account")}
        ).status_code
        == 403
    )
    assert _status(db, review.id) == ReviewStatus.PENDING


# ---------------------------------------------------------------- JSON


def test_api_list_filters_and_counts_the_queue(client, db):
    moderator = ModeratorFactory()
    product = ProductFactory()
    pending = ReviewFactory(product_id=product.id, rating=1, status=ReviewStatus.PENDING)
    ReviewFactory(rating=5, status=ReviewStatus.APPROVED)
    body = client.get("/api/v1/admin/reviews?status=pending", headers=token(moderator)).get_json()["data"]
    assert body["pending_count"] == 1 and body["total_items"] == 1
    assert body["data"][0]["id"] == pending.id and body["data"][0]["customer_email"] == pending.customer_email
    assert client.get("/api/v1/admin/reviews?rating=5", headers=token(moderator)).get_json()["data"]["total_items"] == 1
    by_product = client.get(f"/api/v1/admin/reviews?product_id={product.id}", headers=token(moderator))
    assert by_product.get_json()["data"]["total_items"] == 1
    one = client.get(f"/api/v1/admin/reviews/{pending.id}", headers=token(moderator)).get_json()["data"]
    assert one["status"] == "pending" and one["product"]["id"] == product.id


def test_api_status_delete_and_bulk_with_audit(client, db):
    admin = AdminFactory()
    a, b, c = (ReviewFactory(status=ReviewStatus.PENDING) for _ in range(3))
    response = client.put(f"/api/v1/admin/reviews/{a.id}/status", json={"status": "approved"}, headers=token(admin))
    assert response.status_code == 200 and response.get_json()["data"]["status"] == "approved"
    bulk = client.post("/api/v1/admin/reviews/bulk-reject", json={"ids": [b.id, c.id]}, headers=token(admin))
    assert bulk.get_json()["data"] == {"ids": [b.id, c.id], "status": "rejected", "pending_count": 0}
    client.post("/api/v1/admin/reviews/bulk-approve", json={"ids": [b.id]}, headers=token(admin))
    client.post("/api/v1/admin/reviews/bulk-update", json={"ids": [c.id], "status": "pending"}, headers=token(admin))
    assert [_status(db, r.id) for r in (a, b, c)] == [
        ReviewStatus.APPROVED,
        ReviewStatus.APPROVED,
        ReviewStatus.PENDING,
    ]
    assert client.delete(f"/api/v1/admin/reviews/{c.id}", headers=token(admin)).status_code == 200
    actions = [e.action for e in audit_entries(db)]
    assert actions == [
        "review.approve",
        "review.reject",
        "review.reject",
        "review.approve",
        "review.reopen",
        "review.delete",
    ]
    assert {e.actor_id for e in audit_entries(db)} == {admin.id}


def test_api_bulk_is_all_or_nothing(client, db):
    review = ReviewFactory(status=ReviewStatus.PENDING)
    response = client.post(
        "/api/v1/admin/reviews/bulk-approve", json={"ids": [review.id, 987654]}, headers=token(ModeratorFactory())
    )
    assert response.status_code == 404
    assert _status(db, review.id) == ReviewStatus.PENDING
    assert audit_entries(db) == []


@pytest.mark.parametrize(
    ("path", "body", "field", "english", "khmer"),
    [
        ("/api/v1/admin/reviews/bulk-approve", {"ids": []}, "ids", "Must be between 1 and 100 characters.", None),
        ("/api/v1/admin/reviews/bulk-update", {"ids": [1], "status": "gone"}, "status", None, None),
        ("/api/v1/admin/reviews/bulk-approve", {"ids": ["x"]}, "ids", None, None),
    ],
)
def test_api_bad_input_is_422(client, db, path, body, field, english, khmer):
    response = client.post(path, json=body, headers=token(ModeratorFactory()))
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]["json"]
    assert field in details
    km = client.post(path + "?lang=km", json=body, headers=token(ModeratorFactory()))
    assert km.status_code == 422 and km.get_json()["message"] == "ព័ត៌មានខ្លះដែលអ្នកបានបញ្ចូលមិនត្រឹមត្រូវទេ។"


def test_api_status_needs_a_listed_status_in_both_languages(client, db):
    review = ReviewFactory(status=ReviewStatus.PENDING)
    moderator = ModeratorFactory()
    response = client.put(
        f"/api/v1/admin/reviews/{review.id}/status", json={"status": "maybe"}, headers=token(moderator)
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {
        "json": {"status": ["Must be one of: pending, approved, rejected."]}
    }
    km = client.put(
        f"/api/v1/admin/reviews/{review.id}/status?lang=km", json={"status": "maybe"}, headers=token(moderator)
    )
    assert km.get_json()["error"]["details"]["json"]["status"][0].startswith("ត្រូវតែ")
    assert _status(db, review.id) == ReviewStatus.PENDING


def test_a_long_review_shows_its_start_and_the_rest_behind_more(client, db):
    staff_page_client(client, ModeratorFactory())
    long_text = "Light gel that sinks in fast. " * 12 + "THE VERY END."
    ReviewFactory(comment=long_text, status=ReviewStatus.PENDING, title="Long one")
    ReviewFactory(comment="Short and sweet.", status=ReviewStatus.PENDING, title="Short one")
    page = client.get("/admin/reviews").text
    more = re.search(r'<details class="review-row__more">.*?</details>', page, re.S).group(0)
    summary = re.search(r"<summary>(.*?)</summary>", more, re.S).group(1)
    assert "…" in summary and "THE VERY END." not in summary and ">more<" in summary
    assert "THE VERY END." in more  # the whole text, one click away
    assert page.count('class="review-row__more"') == 1 and "Short and sweet." in page
    assert 'class="table admin-reviews-table"' in page
