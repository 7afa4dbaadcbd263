"""The product page's shared parts (storefront.product_page): kept per product state, size or
shade, language and catalog generation, with each shopper's own bits filled in per request.

Every test first shows that the page is served from what was kept (no query reads the product's
photos), then makes a change through the service that makes it, and sees the change at once, as a
signed-in shopper. Personal parts never travel from one shopper's page to another's. Real
PostgreSQL and Redis."""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.catalog import category_editing, editing, variant_editing
from shop.catalog.models import Product
from shop.extensions import db as database
from shop.orders import services as orders
from shop.orders.models import OrderStatus
from shop.recommendations.jobs import train_recommendations
from shop.reviews import services as reviews
from shop.reviews.models import ReviewStatus
from shop.wishlist import services as wishlist
from tests.factories import CategoryFactory, ProductFactory, ReviewFactory, UserFactory
from tests.orders.test_place_order import PHNOM_PENH
from tests.orders.test_variants import sizes
from tests.recommendations.helpers import buy
from tests.support.statements import sent_statements
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add, post

D = Decimal
STAFF = Actor(None, "staff@example.com")
TOKENS = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADER_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
HOLE = "@@pfh:"


def shopper(app, user=None):
    """A test client signed in as `user` (a new shopper by default)."""
    user = user or UserFactory()
    client = app.test_client()
    sign_in(client, user.email)
    return client, user


def get(client, url: str, **kwargs) -> tuple[str, bool]:
    """The page's HTML, and whether it came from the kept parts (drawing one reads the photos)."""
    with client.application.app_context():
        engine = database.engine
    with sent_statements(engine) as statements:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    assert HOLE not in response.text
    return response.text, not any("product_images" in s for s in statements)


def kept(client, url: str) -> str:
    """The page, drawn once and then served from what was kept."""
    get(client, url)
    text, from_cache = get(client, url)
    assert from_cache
    return text


def reviews_section(text: str) -> str:
    return re.search(r'<section class="product-section product-reviews".*?</section>', text, re.S).group(0)


def heart(text: str, product_id: int) -> str:
    """aria-pressed of the heart that saves `product_id`."""
    return re.search(rf'action="/wishlist/toggle/{product_id}".*?aria-pressed="(\w+)"', text, re.S).group(1)


def checkout(user, product, quantity: int) -> orders.Order:
    return orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(product.id, quantity)],
            email=user.email,
            user_id=user.id,
            shipping_address=PHNOM_PENH,
        )
    )


# ---------------------------------------------------------------- kept, and personal per shopper


def test_two_shoppers_share_the_kept_page_and_never_each_others_bits(app, db):
    serums = CategoryFactory(name="Serums", slug="serums")
    serum = ProductFactory(name_en="Glow Serum", category="serums", categories=[serums])
    twin = ProductFactory(name_en="Glow Serum Twin", category="serums", categories=[serums])
    first, sokha = shopper(app)
    second, dara = shopper(app)
    theirs = ReviewFactory(product_id=serum.id, title="Soft and light")
    own = ReviewFactory(product_id=serum.id, user_id=sokha.id, title="My own words")
    wishlist.add(sokha.id, serum.id)
    wishlist.add(sokha.id, twin.id)
    assert post(first, f"/reviews/{theirs.id}/helpful").status_code == 303

    url = f"/products/{serum.slug}"
    mine, from_cache = get(first, url)
    assert not from_cache
    other, from_cache = get(second, url)
    assert from_cache  # the same shared parts, filled in for Dara

    # Sokha: both hearts pressed, the helpful vote given, no button on their own review, their
    # review in "your review"; every token theirs.
    assert heart(mine, serum.id) == heart(mine, twin.id) == "true"
    assert re.search(rf'action="/reviews/{theirs.id}/helpful".*?aria-pressed="true" disabled', mine, re.S)
    assert f'action="/reviews/{own.id}/helpful"' not in mine
    assert "<h3>Your review</h3>" in mine and "Published." in mine
    # Dara: nothing saved, nothing voted, a button on Sokha's review, the form to write one.
    assert heart(other, serum.id) == heart(other, twin.id) == "false"
    assert re.search(rf'action="/reviews/{theirs.id}/helpful".*?aria-pressed="false">', other, re.S)
    assert f'action="/reviews/{own.id}/helpful"' in other
    assert "<h3>Write a review</h3>" in other and "<h3>Your review</h3>" not in other
    for text in (mine, other):
        token = HEADER_TOKEN.search(text).group(1)
        assert set(TOKENS.findall(text)) == {token}
    assert HEADER_TOKEN.search(mine).group(1) != HEADER_TOKEN.search(other).group(1)
    # Element ids are unique in each page; Sokha's page again is still Sokha's.
    ids = re.findall(r'id="(heart-\d+)"', other)
    assert len(ids) == len(set(ids)) == 2
    again, from_cache = get(first, url)
    assert from_cache and heart(again, twin.id) == "true" and "<h3>Your review</h3>" in again


def test_the_return_path_is_each_requests_own(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    client, _user = shopper(app)
    kept(client, f"/products/{serum.slug}")
    text, from_cache = get(client, f"/products/{serum.slug}?from_search=abc123")
    assert from_cache
    assert set(re.findall(r'name="next" value="([^"]+)"', text)) == {f"/products/{serum.slug}?from_search=abc123"}


def test_a_guest_with_a_cart_gets_the_visitors_parts_with_their_own_token(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    client, _user = shopper(app)
    kept(client, f"/products/{serum.slug}")
    guest = app.test_client()
    add(guest, ProductFactory())  # a cart: the page is not the anonymous whole-page one
    text, _ = get(guest, f"/products/{serum.slug}")
    assert "Sign in to write a review" in text and "Write a review" not in text
    assert set(TOKENS.findall(text)) == {HEADER_TOKEN.search(text).group(1)}
    assert kept(guest, f"/products/{serum.slug}")


def test_the_write_a_review_state_follows_the_shopper(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    client, buyer = shopper(app)
    buy(buyer, serum, status=OrderStatus.DELIVERED)
    other, _ = shopper(app)
    url = f"/products/{serum.slug}"
    assert "<h3>Write a review</h3>" in kept(client, url)
    reviews.create_review(buyer, serum.id, 5, "Lovely", "It sinks in fast.")
    mine, from_cache = get(client, url)
    assert from_cache  # a pending review changes only the shopper's own section
    assert "Waiting for moderation" in mine and "Verified purchase" in mine
    theirs, from_cache = get(other, url)
    assert from_cache and "<h3>Write a review</h3>" in theirs and "Lovely" not in theirs


# ---------------------------------------------------------------- choices: size or shade, language, HTMX


def test_each_size_is_kept_apart_and_an_unknown_one_is_the_default(app, db):
    serum, small, large = sizes(stock_50=0)
    client, _ = shopper(app)
    default = kept(client, f"/products/{serum.slug}")
    chosen = kept(client, f"/products/{serum.slug}?variant={large.id}")
    assert f'name="variant" value="{small.id}" checked' in default and "Email me when it is back" not in default
    assert f'name="variant" value="{large.id}" checked' in chosen and "Email me when it is back" in chosen
    assert 'id="stock-alert-email"' not in chosen  # signed in: their account's email
    unknown, from_cache = get(client, f"/products/{serum.slug}?variant=999999")
    assert from_cache and f'name="variant" value="{small.id}" checked' in unknown
    guest = app.test_client()
    add(guest, ProductFactory())
    assert 'id="stock-alert-email"' in get(guest, f"/products/{serum.slug}?variant={large.id}")[0]


def test_htmx_picks_get_the_page_with_fragment_element_ids(app, db):
    serum, _small, large = sizes()
    client, _ = shopper(app)
    kept(client, f"/products/{serum.slug}?variant={large.id}")
    swapped, from_cache = get(client, f"/products/{serum.slug}?variant={large.id}", headers={"HX-Request": "true"})
    assert from_cache and 'id="variant-panel"' in swapped
    assert re.findall(r'id="heart-(\d+)"', swapped) == ["100001"]


def test_english_and_khmer_are_kept_apart(app, db):
    serum = ProductFactory(name_en="Glow Serum", name_kh="សេរ៉ូមភ្លឺ", price=D("18.00"))
    client, _ = shopper(app)
    english = kept(client, f"/products/{serum.slug}?lang=en")
    khmer = kept(client, f"/products/{serum.slug}?lang=km")
    assert '<html lang="en">' in english and "<h1>Glow Serum</h1>" in english
    assert '<html lang="km">' in khmer and "<h1>សេរ៉ូមភ្លឺ</h1>" in khmer
    assert '$18.00<span class="price-khr"><span aria-hidden="true"> · ៛73,800</span>' in english
    assert '18.00$<span class="price-khr"><span aria-hidden="true"> · 73,800 ៛</span>' in khmer


# ---------------------------------------------------------------- what shows at once


def test_an_edit_shows_at_once(app, db):
    serum = ProductFactory(name_en="Glow Serum", price=D("18.00"), brand="Mekong Dew")
    client, _ = shopper(app)
    assert "$18.00" in kept(client, f"/products/{serum.slug}")
    editing.update_product(serum.id, {"price": "21.00", "brand": "Tonle Sap"}, actor=STAFF)
    text, _ = get(client, f"/products/{serum.slug}")
    assert "$21.00" in text and "$18.00" not in text and '<p class="product-brand">Tonle Sap</p>' in text


def test_a_variant_edit_shows_at_once(app, db):
    serum, _small, large = sizes()
    client, _ = shopper(app)
    url = f"/products/{serum.slug}?variant={large.id}"
    assert "$26.00" in kept(client, url)
    variant_editing.update_variant(large.id, {"price": "29.00"}, actor=STAFF)
    assert "$29.00" in get(client, url)[0]


def test_an_approved_review_shows_at_once_and_a_removed_one_goes(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    waiting = ReviewFactory(product_id=serum.id, title="Waited for this", status=ReviewStatus.PENDING)
    shown = ReviewFactory(product_id=serum.id, title="Shown for now", rating=3)
    client, _ = shopper(app)
    url = f"/products/{serum.slug}"
    before = reviews_section(kept(client, url))
    assert "Waited for this" not in before and "Shown for now" in before and "1 review" in before
    reviews.set_status([waiting.id], ReviewStatus.APPROVED, actor=STAFF)
    approved = reviews_section(get(client, url)[0])
    assert "Waited for this" in approved and "2 reviews" in approved
    assert "Waited for this" in reviews_section(kept(client, url))
    reviews.set_status([shown.id], ReviewStatus.REJECTED, actor=STAFF)
    assert "Shown for now" not in reviews_section(get(client, url)[0])
    kept(client, url)
    reviews.delete_reviews([waiting.id], actor=STAFF)
    assert "Waited for this" not in reviews_section(get(client, url)[0])


def test_an_authors_edit_takes_their_review_off_the_page_at_once(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    author_client, author = shopper(app)
    review = ReviewFactory(product_id=serum.id, user_id=author.id, title="First words")
    reader, _ = shopper(app)
    url = f"/products/{serum.slug}"
    assert "First words" in reviews_section(kept(reader, url))
    reviews.update_review(author, review.id, {"title": "Second words"})  # back to moderation
    assert "First words" not in reviews_section(get(reader, url)[0])


def test_another_shoppers_helpful_vote_shows_its_count_at_once(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    review = ReviewFactory(product_id=serum.id)
    reader, _ = shopper(app)
    voter, _ = shopper(app)
    url = f"/products/{serum.slug}"
    assert '<span class="helpful__count">(0)</span>' in kept(reader, url)
    assert post(voter, f"/reviews/{review.id}/helpful").status_code == 303
    assert '<span class="helpful__count">(1)</span>' in get(reader, url)[0]


def test_the_shoppers_own_vote_shows_as_theirs_at_once(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    review = ReviewFactory(product_id=serum.id)
    client, _ = shopper(app)
    url = f"/products/{serum.slug}"
    # The shopper's reviews and votes are read once and kept in Redis; the vote forgets them.
    assert re.search(rf'action="/reviews/{review.id}/helpful".*?aria-pressed="false">', kept(client, url), re.S)
    assert post(client, f"/reviews/{review.id}/helpful").status_code == 303
    assert re.search(
        rf'action="/reviews/{review.id}/helpful".*?aria-pressed="true" disabled', get(client, url)[0], re.S
    )


def test_a_review_deleted_by_its_author_or_by_staff_gives_the_author_the_form_again(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    toner = ProductFactory(name_en="Rice Toner")
    client, author = shopper(app)
    for product in (serum, toner):
        reviews.create_review(author, product.id, 4, "Nice", "Soft.")
    for product in (serum, toner):
        assert "<h3>Your review</h3>" in kept(client, f"/products/{product.slug}")
    reviews.delete_reviews([reviews.review_for_product(author.id, serum.id).id], actor=STAFF)
    text, from_cache = get(client, f"/products/{serum.slug}")
    assert from_cache and "<h3>Write a review</h3>" in text and "<h3>Your review</h3>" not in text
    reviews.delete_review(author, reviews.review_for_product(author.id, toner.id).id)
    assert "<h3>Write a review</h3>" in get(client, f"/products/{toner.slug}")[0]


def test_selling_the_last_one_shows_out_of_stock_at_once_to_everyone(app, db):
    serum = ProductFactory(name_en="Glow Serum", stock=3)
    client, buyer = shopper(app)
    url = f"/products/{serum.slug}"
    assert "Only 3 left" in kept(client, url)
    visitor = app.test_client()
    assert "Only 3 left" in visitor.get(url).text  # the anonymous whole-page cache
    checkout(buyer, serum, 1)
    assert "Only 2 left" in get(client, url)[0]  # the state is part of the key
    checkout(buyer, serum, 2)
    text, _ = get(client, url)
    assert '<p class="stock stock-out">Out of stock</p>' in text
    assert '<p class="stock stock-out">Out of stock</p>' in visitor.get(url).text  # a new page generation


def test_selling_the_last_of_one_size_shows_it_sold_out_at_once_to_everyone(app, db):
    serum, _small, large = sizes(stock_30=10, stock_50=1)
    client, buyer = shopper(app)
    url = f"/products/{serum.slug}"
    sold_out_choice = re.compile(
        rf'variant-choice--soldout">\s*<input type="radio" id="variant-\d+" name="variant" value="{large.id}"'
    )
    assert not sold_out_choice.search(kept(client, url))
    visitor = app.test_client()
    assert not sold_out_choice.search(visitor.get(url).text)  # the anonymous whole-page cache
    orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(serum.id, 1, large.id)],
            email=buyer.email,
            user_id=buyer.id,
            shipping_address=PHNOM_PENH,
        )
    )
    assert sold_out_choice.search(get(client, url)[0])
    # The product is still in stock: the size's sale alone ends the generation.
    assert sold_out_choice.search(visitor.get(url).text)


def test_a_cancelled_order_brings_a_sold_out_product_back_at_once(app, db):
    serum = ProductFactory(name_en="Glow Serum", stock=1)
    client, buyer = shopper(app)
    order = checkout(buyer, serum, 1)
    url = f"/products/{serum.slug}"
    assert "Out of stock" in kept(client, url)
    visitor = app.test_client()
    assert "Out of stock" in visitor.get(url).text
    assert post(client, f"/orders/{order.id}/cancel", form_url=f"/orders/{order.id}/cancel").status_code == 303
    assert "Only 1 left" in get(client, url)[0]
    assert "Only 1 left" in visitor.get(url).text


def test_a_related_product_selling_out_leaves_the_similar_products_at_once(app, db):
    serums = CategoryFactory(name="Serums", slug="serums")
    serum = ProductFactory(name_en="Glow Serum", category="serums", categories=[serums])
    twin = ProductFactory(name_en="Glow Serum Twin", category="serums", categories=[serums], stock=1)
    client, buyer = shopper(app)
    url = f"/products/{serum.slug}"
    assert "Glow Serum Twin" in kept(client, url)
    checkout(buyer, twin, 1)
    assert "Glow Serum Twin" not in get(client, url)[0]


def test_a_new_recommendation_model_shows_at_once(app, db):
    cleanser = ProductFactory(name_en="Cleanser", category="cleansers")
    toner = ProductFactory(name_en="Toner", category="toners")
    client, _ = shopper(app)
    url = f"/products/{cleanser.slug}"
    assert 'id="pd-bought-together"' not in kept(client, url)
    for _ in range(2):
        buy(UserFactory(), cleanser, toner)
    train_recommendations()
    together = re.search(r'<h2 id="pd-bought-together">.*?</section>', get(client, url)[0], re.S).group(0)
    assert "Toner" in together


def test_a_renamed_category_shows_at_once(app, db):
    serums = CategoryFactory(name="Serums", slug="serums")
    serum = ProductFactory(name_en="Glow Serum", category="serums", categories=[serums])
    client, _ = shopper(app)
    url = f"/products/{serum.slug}"
    assert '<a href="/categories/serums">Serums</a>' in kept(client, url)
    category_editing.update_category(serums.id, {"name": "Face serums"}, actor=STAFF)
    assert '<a href="/categories/serums">Face serums</a>' in get(client, url)[0]


def test_a_new_riel_rate_shows_at_once(app, db):
    serum = ProductFactory(name_en="Glow Serum", price=D("18.00"))
    client, _ = shopper(app)
    url = f"/products/{serum.slug}"
    assert "៛73,800" in kept(client, url)
    rate = app.config["KHR_PER_USD"]
    app.config["KHR_PER_USD"] = D("4000")
    try:
        assert "៛72,000" in get(client, url)[0]
    finally:
        app.config["KHR_PER_USD"] = rate


def test_an_archived_product_is_gone_at_once(app, db):
    serum = ProductFactory(name_en="Glow Serum")
    client, _ = shopper(app)
    kept(client, f"/products/{serum.slug}")
    db.session.execute(sa.update(Product).where(Product.id == serum.id).values(status="archived"))
    db.session.commit()  # even written around the services: the state is read every time
    assert client.get(f"/products/{serum.slug}").status_code == 404


def test_without_redis_nothing_is_kept(make_app, database_url, db):
    embedded = make_app(SQLALCHEMY_DATABASE_URI=database_url)  # the in-process cache
    serum = ProductFactory(name_en="Glow Serum")
    client, _ = shopper(embedded)
    get(client, f"/products/{serum.slug}")
    assert not get(client, f"/products/{serum.slug}")[1]
