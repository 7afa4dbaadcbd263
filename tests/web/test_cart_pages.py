"""The cart page, add-to-cart buttons and the wishlist, with plain forms and with HTMX.
Real PostgreSQL and Redis (server-side sessions), the real CSRF check."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.cart.models import CartItem
from shop.catalog.models import Product, ProductStatus
from shop.wishlist.models import WishlistItem
from tests.factories import PASSWORD, CouponFactory, ProductFactory, UserFactory, WishlistItemFactory
from tests.web.test_account_pages import csrf_token, khmer, post_form, sign_in, translated

D = Decimal
HX = {"HX-Request": "true"}


# ---------------------------------------------------------------- helpers


def token(client, url: str = "/cart") -> str:
    """The page's CSRF token, as HTMX sends it (every page has it on <body>)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page.text).group(1)


def post(client, url: str, data: dict | None = None, *, htmx: bool = False, form_url: str = "/cart"):
    """A form POST with the CSRF token of `form_url`, as a browser (or HTMX) sends it."""
    headers = HX if htmx else {}
    return client.post(url, data={**(data or {}), "csrf_token": token(client, form_url)}, headers=headers)


def add(client, product, quantity=1, *, htmx: bool = False, next: str | None = None):
    data = {"product_id": product.id, "quantity": quantity}
    if next is not None:
        data["next"] = next
    return post(client, "/cart/add", data, htmx=htmx)


def badge(text: str) -> int:
    """The number in the header badge (or in an out-of-band badge)."""
    match = re.search(r'<a id="cart-badge"[^>]*>.*?data-count="(\d+)"', text, re.S)
    return int(match.group(1))


def oob_badge(text: str) -> int | None:
    match = re.search(r'<a id="cart-badge"[^>]*hx-swap-oob="true"[^>]*>.*?data-count="(\d+)"', text, re.S)
    return int(match.group(1)) if match else None


def toast(text: str) -> str:
    match = re.search(r'<div hx-swap-oob="innerHTML:#toasts">\s*<div class="toast ([^"]+)">\s*<p>(.*?)</p>', text, re.S)
    return f"{match.group(1).split()[0]}: {re.sub(r'<[^>]+>', '', html.unescape(match.group(2))).strip()}"


def flashes(text: str) -> list[str]:
    block = re.search(r'<div id="toasts"[^>]*>(.*?)</div>\s*\n\s*<main', text, re.S).group(1)
    return [html.unescape(m).strip() for m in re.findall(r"<p>(.*?)</p>", block, re.S)]


def by_id(text: str, element_id: str) -> str:
    """The element's first text; for a price, the dollars (riel_by_id reads the riel beside them)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)(?:<span class="price-khr">|</)', text, re.S)
    assert match, f"no #{element_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def quantity_of(text: str, product_id: int) -> int:
    return int(re.search(rf'id="quantity-{product_id}"[^>]*value="(\d+)"', text, re.S).group(1))


def field_error(text: str, field_id: str) -> str | None:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', text, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def cart_rows(db, user) -> list[tuple[int, int]]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(CartItem.product_id, CartItem.quantity).where(CartItem.user_id == user.id).order_by(CartItem.id)
    ).all()


# ---------------------------------------------------------------- guests, plain forms


def test_guest_adds_changes_and_removes_with_plain_forms(client, db):
    serum = ProductFactory(name_en="Glow Serum", price=D("19.99"), stock=10)
    page = f"/products/{serum.slug}"

    added = add(client, serum, 2, next=page)
    assert (added.status_code, added.headers["Location"]) == (303, page)
    back = client.get(page)
    assert flashes(back.text) == ["Added to your cart."]
    assert badge(back.text) == 2

    cart = client.get("/cart")
    assert cart.status_code == 200
    assert cart.headers["Cache-Control"] == "no-store"
    assert "Glow Serum" in cart.text
    assert quantity_of(cart.text, serum.id) == 2
    assert by_id(cart.text, "cart-subtotal") == "$39.98"
    assert by_id(cart.text, "cart-tax") == "$4.00"
    assert by_id(cart.text, "cart-delivery") == "Calculated at checkout"
    assert by_id(cart.text, "cart-total") == "$43.98"

    changed = post(client, f"/cart/items/{serum.id}", {"quantity": "3"})
    assert (changed.status_code, changed.headers["Location"]) == (303, "/cart")
    cart = client.get("/cart")
    assert flashes(cart.text) == ["Your cart was updated."]
    assert (quantity_of(cart.text, serum.id), badge(cart.text), by_id(cart.text, "cart-subtotal")) == (3, 3, "$59.97")

    removed = post(client, f"/cart/items/{serum.id}/remove")
    assert removed.status_code == 303
    cart = client.get("/cart")
    assert flashes(cart.text) == ["Removed from your cart."]
    assert "Your cart is empty." in cart.text
    assert badge(cart.text) == 0


def test_add_redirects_only_to_paths_on_this_site(client, db):
    product = ProductFactory()
    for unsafe in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = add(client, product, next=unsafe)
        assert (response.status_code, response.headers["Location"]) == (303, "/cart")


def test_quantity_is_capped_by_stock_and_said_so(client, db):
    scarce = ProductFactory(stock=3, name_en="Rare Balm")
    add(client, scarce, 2)
    response = add(client, scarce, 5, next="/cart")
    cart = client.get(response.headers["Location"])
    assert flashes(cart.text) == ["Added to your cart.", "Only 3 left in stock."]
    assert quantity_of(cart.text, scarce.id) == 3


# ---------------------------------------------------------------- guests, HTMX


def test_htmx_add_answers_a_toast_and_the_badge_out_of_band(client, db):
    product = ProductFactory(name_en="Glow Serum", stock=10)
    response = add(client, product, 2, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "cartChanged"
    assert "<html" not in response.text
    assert toast(response.text) == "toast-success: Added to your cart. View cart"
    assert oob_badge(response.text) == 2
    again = add(client, product, 1, htmx=True)
    assert oob_badge(again.text) == 3


def test_htmx_cart_changes_swap_the_cart_body_and_the_badge(client, db):
    serum, toner = ProductFactory(price=D("10.00")), ProductFactory(price=D("5.00"))
    add(client, serum, 1)
    add(client, toner, 2)

    fragment = client.get("/cart", headers=HX)
    assert "HX-Request" in fragment.headers["Vary"]
    assert fragment.text.lstrip().startswith('<div id="cart-body"')

    changed = post(client, f"/cart/items/{serum.id}", {"quantity": "4"}, htmx=True)
    assert changed.status_code == 200
    assert changed.headers["HX-Trigger"] == "cartChanged"
    assert changed.text.lstrip().startswith('<div id="cart-body"')
    assert "<html" not in changed.text
    assert quantity_of(changed.text, serum.id) == 4
    assert by_id(changed.text, "cart-subtotal") == "$50.00"
    assert oob_badge(changed.text) == 6
    assert toast(changed.text) == "toast-success: Your cart was updated."

    removed = post(client, f"/cart/items/{toner.id}/remove", htmx=True)
    assert oob_badge(removed.text) == 4
    assert f'id="line-{toner.id}"' not in removed.text
    assert by_id(removed.text, "cart-subtotal") == "$40.00"


@pytest.mark.parametrize("quantity", ["0", "-1", str(10**9), "abc", "", "1.5", "100"])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_quantities_are_refused_with_the_message_and_write_nothing(client, db, quantity, htmx):
    product = ProductFactory(stock=50)
    refused = add(client, product, quantity, htmx=htmx)
    assert refused.status_code == 422
    message = "Choose a quantity from 1 to 99."
    if htmx:
        assert toast(refused.text) == f"toast-error: {message}"
        assert oob_badge(refused.text) == 0
    else:
        assert message in html.unescape(refused.text)
    assert badge(client.get("/cart").text) == 0

    add(client, product, 2)
    changed = post(client, f"/cart/items/{product.id}", {"quantity": quantity}, htmx=htmx)
    assert changed.status_code == 422
    assert field_error(changed.text, f"quantity-{product.id}") == message
    assert f'id="quantity-{product.id}"' in changed.text and 'aria-invalid="true"' in changed.text
    assert quantity_of(client.get("/cart").text, product.id) == 2


def test_bad_quantities_write_nothing_to_a_signed_in_cart(client, db):
    user = UserFactory()
    product = ProductFactory()
    sign_in(client, user.email)
    for quantity in ("0", "-1", str(10**9), "abc"):
        assert add(client, product, quantity).status_code == 422
    assert cart_rows(db, user) == []


def test_khmer_digits_are_whole_numbers_too(client, db):
    product = ProductFactory(stock=50)
    assert add(client, product, "១២").status_code == 303
    assert quantity_of(client.get("/cart").text, product.id) == 12


def test_sold_out_and_unknown_products_are_refused(client, db):
    sold_out = ProductFactory(stock=0, name_en="Sold Out Mask")
    plain = add(client, sold_out)
    assert plain.status_code == 409
    assert "Sold Out Mask is out of stock." in html.unescape(plain.text)
    assert toast(add(client, sold_out, htmx=True).text) == "toast-error: Sold Out Mask is out of stock."
    draft = ProductFactory(status=ProductStatus.DRAFT)
    missing = add(client, draft, htmx=True)
    assert missing.status_code == 404
    assert toast(missing.text) == "toast-error: This product is not available."
    assert badge(client.get("/cart").text) == 0


def test_forms_without_the_csrf_token_are_refused(client, db):
    product = ProductFactory()
    response = client.post("/cart/add", data={"product_id": product.id, "quantity": 1})
    assert response.status_code == 400
    assert badge(client.get("/cart").text) == 0


# ---------------------------------------------------------------- signed in, merge


def test_signed_in_cart_is_stored_in_the_database(client, db):
    user = UserFactory()
    product = ProductFactory(stock=10)
    sign_in(client, user.email)
    add(client, product, 2, htmx=True)
    assert cart_rows(db, user) == [(product.id, 2)]
    post(client, f"/cart/items/{product.id}", {"quantity": "5"}, htmx=True)
    assert cart_rows(db, user) == [(product.id, 5)]
    post(client, f"/cart/items/{product.id}/remove")
    assert cart_rows(db, user) == []


def test_guest_cart_merges_into_the_account_on_the_sign_in_page(client, db):
    user = UserFactory()
    shared, guest_only = ProductFactory(stock=10), ProductFactory(stock=10)
    db.session.add(CartItem(user_id=user.id, product_id=shared.id, quantity=1, price_at_add=shared.price))
    db.session.commit()
    add(client, shared, 2)
    add(client, guest_only, 1)
    assert badge(client.get("/").text) == 3

    response = post_form(client, "/account/login?next=/cart", {"email": user.email, "password": PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (302, "/cart")
    cart = client.get("/cart")
    assert (quantity_of(cart.text, shared.id), quantity_of(cart.text, guest_only.id), badge(cart.text)) == (3, 1, 4)
    assert sorted(cart_rows(db, user)) == sorted([(shared.id, 3), (guest_only.id, 1)])


def test_guests_may_check_out_or_sign_in_first(client, db):
    add(client, ProductFactory())
    cart = client.get("/cart")
    assert '<a class="btn btn-primary btn-lg btn-block" href="/checkout">Check out as a guest</a>' in cart.text
    assert '<a href="/account/login?next=/checkout">Sign in to check out</a>' in cart.text
    assert '<a href="/account/register?next=/checkout">Create an account</a>' in cart.text
    assert "Your cart is kept when you sign in or create an account." in cart.text


# ---------------------------------------------------------------- coupons, notices


def test_coupon_is_applied_or_refused_with_the_reason_in_english_and_khmer(client, db):
    user = UserFactory()
    product = ProductFactory(price=D("40.00"))
    CouponFactory(code="TEN", value=D("10"))
    CouponFactory(code="BIG", min_order_value=D("100.00"))
    sign_in(client, user.email)
    add(client, product)

    refused = post(client, "/cart/coupon", {"coupon_code": "big"})
    assert refused.status_code == 400
    assert field_error(refused.text, "coupon_code") == "Spend at least $100.00 · ៛410,000 to use this coupon."
    assert 'id="coupon_code"' in refused.text and 'value="big"' in refused.text

    token_km = csrf_token(client, "/cart?lang=km")
    refused_km = client.post("/cart/coupon?lang=km", data={"coupon_code": "big", "csrf_token": token_km})
    assert refused_km.status_code == 400
    assert field_error(refused_km.text, "coupon_code") == "ចំណាយយ៉ាងហោចណាស់ 100.00$ · 410,000 ៛ ដើម្បីប្រើគូប៉ុងនេះ។"
    client.get("/cart?lang=en")

    unknown = post(client, "/cart/coupon", {"coupon_code": "NOPE"}, htmx=True)
    assert unknown.status_code == 400
    assert unknown.text.lstrip().startswith('<div id="cart-body"')
    assert field_error(unknown.text, "coupon_code") == "This coupon code does not exist."

    empty = post(client, "/cart/coupon", {"coupon_code": "  "})
    assert (empty.status_code, field_error(empty.text, "coupon_code")) == (422, "Enter a coupon code.")

    applied = post(client, "/cart/coupon", {"coupon_code": "ten"}, htmx=True)
    assert applied.status_code == 200
    assert by_id(applied.text, "cart-discount") == "−$4.00"
    assert by_id(applied.text, "cart-tax") == "$3.60"
    assert by_id(applied.text, "cart-total") == "$39.60"
    assert "Coupon TEN is applied." in applied.text
    db.session.expire_all()
    assert db.session.get(type(user), user.id).cart_coupon_code == "TEN"

    removed = post(client, "/cart/coupon/remove")
    assert removed.status_code == 303
    cart = client.get("/cart")
    assert 'id="cart-discount"' not in cart.text and by_id(cart.text, "cart-total") == "$44.00"


def test_a_kept_coupon_that_no_longer_applies_is_shown_with_the_reason(client, db):
    user = UserFactory()
    product = ProductFactory(price=D("40.00"))
    coupon = CouponFactory(code="ONCE", value=D("10"), usage_limit=5)
    sign_in(client, user.email)
    add(client, product)
    post(client, "/cart/coupon", {"coupon_code": "once"})
    coupon.used_count = 5
    db.session.commit()
    cart = client.get("/cart")
    assert field_error(cart.text, "coupon_code") == "This coupon has been fully used."
    assert 'id="cart-discount"' not in cart.text
    assert "Remove the coupon" in cart.text


def test_price_changes_and_withdrawn_products_are_called_out(client, db):
    cheaper = ProductFactory(price=D("20.00"), name_en="Day Cream")
    withdrawn = ProductFactory(price=D("5.00"), name_en="Old Toner")
    scarce = ProductFactory(price=D("1.00"), stock=5, name_en="Lip Balm")
    add(client, cheaper)
    add(client, withdrawn)
    add(client, scarce, 5)
    db.session.get(Product, cheaper.id).price = D("22.00")
    db.session.get(Product, withdrawn.id).status = ProductStatus.ARCHIVED
    db.session.get(Product, scarce.id).stock = 2
    db.session.commit()

    cart = client.get("/cart")
    text = html.unescape(cart.text)
    assert "The price changed from $20.00 to $22.00." in text
    assert "Only 2 left in stock." in text
    assert by_id(cart.text, "cart-unavailable-title") == "No longer available"
    assert by_id(cart.text, f"unavailable-{withdrawn.id}").startswith("Old Toner")
    assert by_id(cart.text, "cart-subtotal") == "$27.00"  # 22.00 + 5 × 1.00; the withdrawn toner is not counted


# ---------------------------------------------------------------- buy buttons, header


def test_product_page_and_cards_have_buy_buttons(client, db):
    product = ProductFactory(name_en="Glow Serum", stock=4, is_featured=True)
    sold_out = ProductFactory(name_en="Gone Serum", stock=0)
    page = client.get(f"/products/{product.slug}")
    assert re.search(r'<form class="add-to-cart" method="post" action="/cart/add"', page.text)
    quantity = r'id="buy-quantity" name="quantity" type="number" inputmode="numeric" value="1" min="1" max="4"'
    assert re.search(quantity, page.text)
    assert f'name="next" value="/products/{product.slug}"' in page.text
    assert 'aria-pressed="false"' in page.text
    # 4xx answers (sold out, a bad quantity) carry their message: HTMX is told to show them
    # (static/js/actions.js reads the attribute: no inline handler under the CSP).
    swap = "data-swap-client-errors>"
    buy_box = page.text.split('id="pd-related"')[0]  # related products' cards have their own buttons
    assert buy_box.count(swap) == 2  # the add-to-cart form and the heart
    gone = client.get(f"/products/{sold_out.slug}")
    assert re.search(r'<button class="btn btn-primary btn-lg" type="submit" disabled>Out of stock</button>', gone.text)
    home = client.get("/")
    assert 'Add to cart<span class="visually-hidden">: Glow Serum</span>' in home.text
    assert 'name="next" value="/"' in home.text


def test_header_badge_links_to_the_cart_on_every_page(client, db):
    add(client, ProductFactory(), 2)
    for url in ("/", "/cart", "/account/login"):
        page = client.get(url)
        assert re.search(r'<a id="cart-badge" class="cart-badge" href="/cart">', page.text), url
        assert badge(page.text) == 2


def test_cart_page_in_khmer(app, client, db):
    add(client, ProductFactory(name_en="Glow Serum", name_kh="សេរ៉ូមភ្លឺ"))
    page = client.get("/cart?lang=km")
    assert '<html lang="km">' in page.text
    assert "សេរ៉ូមភ្លឺ" in page.text
    assert khmer(app, "Subtotal") in page.text
    assert f"<h1>{translated(app, 'Your cart')}</h1>" in page.text


# ---------------------------------------------------------------- wishlist


def test_anonymous_shoppers_are_sent_to_sign_in_for_the_wishlist(client, db):
    product = ProductFactory()
    page = client.get("/wishlist")
    assert (page.status_code, page.headers["Location"]) == (302, "/account/login?next=%2Fwishlist")
    toggled = post(client, f"/wishlist/toggle/{product.id}", {"next": f"/products/{product.slug}"})
    assert toggled.status_code == 303
    assert toggled.headers["Location"] == f"/account/login?next=/products/{product.slug}"
    htmx = post(client, f"/wishlist/toggle/{product.id}", {"next": "/"}, htmx=True)
    assert (htmx.status_code, htmx.headers["HX-Redirect"]) == (200, "/account/login?next=/")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WishlistItem)) == 0


def test_heart_toggles_with_plain_forms_and_htmx(client, db):
    user = UserFactory()
    product = ProductFactory(name_en="Glow Serum")
    sign_in(client, user.email)
    saved = post(client, f"/wishlist/toggle/{product.id}", {"next": f"/products/{product.slug}"})
    assert (saved.status_code, saved.headers["Location"]) == (303, f"/products/{product.slug}")
    page = client.get(f"/products/{product.slug}")
    assert flashes(page.text) == ["Saved to your wishlist."]
    assert 'aria-pressed="true"' in page.text

    heart_id = re.search(r'name="heart_id" value="(heart-\d+)"', page.text).group(1)
    forgot = post(client, f"/wishlist/toggle/{product.id}", {"next": "/", "heart_id": heart_id}, htmx=True)
    assert forgot.status_code == 200
    assert forgot.text.lstrip().startswith('<form class="wishlist-toggle"')
    assert f'<button class="heart" id="{heart_id}" type="submit" aria-pressed="false">' in forgot.text
    assert toast(forgot.text) == "toast-success: Removed from your wishlist."
    again = post(client, f"/wishlist/toggle/{product.id}", {"next": "/"}, htmx=True)
    assert 'aria-pressed="true"' in again.text
    assert db.session.scalars(sa.select(WishlistItem.product_id).where(WishlistItem.user_id == user.id)).all() == [
        product.id
    ]


def test_wishlist_page_moves_to_cart_removes_and_clears(client, db):
    user = UserFactory()
    serum = ProductFactory(name_en="Glow Serum", stock=5)
    mask = ProductFactory(name_en="Clay Mask", stock=0)
    toner = ProductFactory(name_en="Old Toner", status=ProductStatus.ARCHIVED)
    for product in (serum, mask, toner):
        WishlistItemFactory(user_id=user.id, product_id=product.id)
    sign_in(client, user.email)

    page = client.get("/wishlist")
    assert page.status_code == 200
    assert "3 saved products" in page.text
    assert "No longer available" in page.text

    moved = post(client, f"/wishlist/{serum.id}/move-to-cart", form_url="/wishlist")
    assert (moved.status_code, moved.headers["Location"]) == (303, "/wishlist")
    page = client.get("/wishlist")
    assert flashes(page.text) == ["Moved to your cart."]
    assert cart_rows(db, user) == [(serum.id, 1)]
    assert badge(page.text) == 1

    refused = post(client, f"/wishlist/{mask.id}/move-to-cart", form_url="/wishlist")
    assert flashes(client.get(refused.headers["Location"]).text) == ["Clay Mask is out of stock."]

    post(client, f"/wishlist/{toner.id}/remove", form_url="/wishlist")
    assert db.session.scalars(sa.select(WishlistItem.product_id).where(WishlistItem.user_id == user.id)).all() == [
        mask.id
    ]
    post(client, "/wishlist/clear", form_url="/wishlist")
    page = client.get("/wishlist")
    assert flashes(page.text) == ["Your wishlist is empty."]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WishlistItem)) == 0
