"""Reviews on product pages: the form for signed-in shoppers (HTMX and plain POST), their own
review with edit and delete, the helpful button, escaping, and only approved reviews shown."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from shop.reviews.models import Review, ReviewHelpfulVote, ReviewStatus
from tests.factories import ProductFactory, ReviewFactory, UserFactory
from tests.web.test_account_pages import csrf_token, khmer, sign_in

HTMX = {"HX-Request": "true"}


def _token(client, product) -> str:
    return csrf_token(client, f"/products/{product.slug}")


def test_visitors_see_a_sign_in_link_and_only_approved_reviews(client, db):
    product = ProductFactory()
    ReviewFactory(product_id=product.id, title="Shown review", status=ReviewStatus.APPROVED)
    ReviewFactory(product_id=product.id, title="Waiting review", status=ReviewStatus.PENDING)
    ReviewFactory(product_id=product.id, title="Refused review", status=ReviewStatus.REJECTED)
    page = client.get(f"/products/{product.slug}")
    assert "Shown review" in page.text
    assert "Waiting review" not in page.text and "Refused review" not in page.text
    assert f'href="/account/login?next=/products/{product.slug}">Sign in to write a review</a>' in page.text
    assert 'class="review-form"' not in page.text


def test_review_text_is_escaped_on_the_product_page(client, db):
    product = ProductFactory()
    ReviewFactory(
        product_id=product.id,
        title="<b>bold</b>",
        comment='<script>alert("x")</script><img src=x onerror=alert(1)>',
        customer_name="<i>Eve</i>",
        status=ReviewStatus.APPROVED,
    )
    page = client.get(f"/products/{product.slug}").text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "&lt;i&gt;Eve&lt;/i&gt;" in page


def test_write_a_review_with_htmx_and_see_it_waiting(client, db):
    user, product = UserFactory(first_name="Dara", last_name="Kim"), ProductFactory()
    sign_in(client, user.email)
    page = client.get(f"/products/{product.slug}")
    assert 'class="review-form"' in page.text
    response = client.post(
        f"/products/{product.slug}/review",
        data={"csrf_token": _token(client, product), "rating": "5", "title": "Lovely", "comment": "<script>x</script>"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="my-review" id="my-review">')
    assert "Waiting for moderation" in response.text
    assert "&lt;script&gt;x&lt;/script&gt;" in response.text and "<script>x" not in response.text
    assert "Thank you! Your review will appear once we have checked it." in response.text  # the toast
    review = db.session.scalar(sa.select(Review))
    assert (review.rating, review.title, review.status, review.customer_name) == (
        5,
        "Lovely",
        ReviewStatus.PENDING,
        "Dara K.",
    )
    # The page now shows the shopper's review, with edit and delete, not the form.
    again = client.get(f"/products/{product.slug}").text
    assert "Your review" in again and "Edit your review" in again and 'class="review-form"' not in again


def test_without_javascript_the_form_posts_and_redirects(client, db):
    user, product = UserFactory(), ProductFactory()
    sign_in(client, user.email)
    response = client.post(
        f"/products/{product.slug}/review",
        data={"csrf_token": _token(client, product), "rating": "3", "comment": "Okay."},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/products/{product.slug}#my-review"
    assert db.session.scalar(sa.select(Review.rating)) == 3


def test_bad_form_input_is_422_in_english_and_khmer_and_writes_nothing(app, client, db):
    user, product = UserFactory(), ProductFactory()
    sign_in(client, user.email)
    token = _token(client, product)
    response = client.post(
        f"/products/{product.slug}/review", data={"csrf_token": token, "rating": "9", "comment": ""}, headers=HTMX
    )
    assert response.status_code == 422
    assert 'id="rating-error">Choose a rating from 1 to 5 stars.<' in response.text
    assert 'id="comment-error">This field is required.<' in response.text
    km = client.post(
        f"/products/{product.slug}/review?lang=km", data={"csrf_token": token, "rating": "0", "comment": "x"}
    )
    assert km.status_code == 422
    assert html.escape(khmer(app, "Choose a rating from 1 to 5 stars."), quote=False) in km.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_edit_sends_the_review_back_to_moderation_and_delete_removes_it(client, db):
    user, product = UserFactory(), ProductFactory()
    review = ReviewFactory(user_id=user.id, product_id=product.id, rating=5, status=ReviewStatus.APPROVED)
    sign_in(client, user.email)
    page = client.get(f"/products/{product.slug}").text
    assert "Published." in page
    form = client.get(f"/products/{product.slug}/review", headers=HTMX)
    assert 'class="review-form"' in form.text and 'value="5" checked' in form.text
    assert "Your changes will be checked before they are shown." in form.text
    token = _token(client, product)
    saved = client.post(
        f"/products/{product.slug}/review",
        data={"csrf_token": token, "rating": "2", "comment": "Broke me out."},
        headers=HTMX,
    )
    assert "Waiting for moderation" in saved.text
    db.session.expire_all()
    assert (review.rating, review.status) == (2, ReviewStatus.PENDING)
    deleted = client.post(f"/products/{product.slug}/review/delete", data={"csrf_token": token}, headers=HTMX)
    assert deleted.status_code == 200
    assert 'class="review-form"' in deleted.text and "Your review was deleted." in deleted.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


def test_signed_out_review_actions_go_to_sign_in(client, db):
    product = ProductFactory()
    token = _token(client, product)
    response = client.post(
        f"/products/{product.slug}/review", data={"csrf_token": token, "rating": "5", "comment": "x"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/account/login?next=")
    htmx = client.post(f"/products/{product.slug}/review", data={"csrf_token": token}, headers=HTMX)
    assert htmx.headers["HX-Redirect"].startswith("/account/login?next=")


def test_helpful_button_with_htmx_counts_once(client, db):
    product = ProductFactory()
    review = ReviewFactory(product_id=product.id, status=ReviewStatus.APPROVED, helpful_count=2)
    reader = UserFactory()
    sign_in(client, reader.email)
    page = client.get(f"/products/{product.slug}").text
    assert re.search(r'aria-pressed="false">Helpful <span class="helpful__count">\(2\)</span>', page)
    token = _token(client, product)
    voted = client.post(f"/reviews/{review.id}/helpful", data={"csrf_token": token}, headers=HTMX)
    assert voted.status_code == 200
    assert re.search(r'aria-pressed="true" disabled>Helpful <span class="helpful__count">\(3\)</span>', voted.text)
    assert "Thank you for your feedback." in voted.text
    again = client.post(f"/reviews/{review.id}/helpful", data={"csrf_token": token}, headers=HTMX)
    assert again.status_code == 409
    assert again.headers["HX-Reswap"] == "none"
    assert "You have already marked this review as helpful." in again.text
    page = client.get(f"/products/{product.slug}").text
    assert re.search(r'aria-pressed="true" disabled>Helpful <span class="helpful__count">\(3\)</span>', page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewHelpfulVote)) == 1


def test_no_helpful_button_on_your_own_review(client, db):
    user, product = UserFactory(), ProductFactory()
    ReviewFactory(user_id=user.id, product_id=product.id, status=ReviewStatus.APPROVED)
    sign_in(client, user.email)
    assert 'class="helpful"' not in client.get(f"/products/{product.slug}").text


def test_a_helpful_vote_refreshes_the_cached_product_page(client, db, app):
    product = ProductFactory()
    review = ReviewFactory(product_id=product.id, status=ReviewStatus.APPROVED)
    visitor = app.test_client()
    assert "(0)</span>" in visitor.get(f"/products/{product.slug}").text  # now cached for visitors
    reader = UserFactory()
    sign_in(client, reader.email)
    client.post(f"/reviews/{review.id}/helpful", data={"csrf_token": _token(client, product)})
    assert "(1)</span>" in visitor.get(f"/products/{product.slug}").text


def test_my_reviews_lists_the_shoppers_own_reviews_with_their_status(client, db):
    shopper = UserFactory(email="writer@example.com")
    serum = ProductFactory(name_en="Glow Serum")
    toner = ProductFactory(name_en="Rice Toner")
    balm = ProductFactory(name_en="Lip Balm")
    ReviewFactory(product_id=serum.id, user_id=shopper.id, title="Lovely", status=ReviewStatus.APPROVED)
    ReviewFactory(product_id=toner.id, user_id=shopper.id, title="Waiting", status=ReviewStatus.PENDING)
    ReviewFactory(product_id=balm.id, title="Someone else's", status=ReviewStatus.APPROVED)
    db.session.commit()
    assert client.get("/account/reviews").status_code == 302  # sign in first

    sign_in(client, "writer@example.com")
    page = client.get("/account/reviews")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Lovely" in text and "Waiting" in text and "Someone else's" not in text
    items = re.findall(r'<li class="review" id="review-\d+">.*?</li>', text, re.S)
    assert [("Rice Toner" in i, "Waiting for moderation" in i) for i in items] == [(True, True), (False, False)]
    assert "Published" in items[1] and f'href="/products/{serum.slug}#my-review"' in items[1]
    assert client.get("/account/reviews?page=0").status_code == 400
    assert client.get("/account/reviews?page=9").status_code == 404


def test_my_reviews_when_there_are_none(app, client, db):
    UserFactory(email="quiet@example.com")
    db.session.commit()
    sign_in(client, "quiet@example.com")
    assert "You have not written a review yet." in client.get("/account/reviews").text
    khmer_page = client.get("/account/reviews?lang=km").text
    assert html.escape(khmer(app, "My reviews")) in khmer_page
