"""The skin analysis result as product cards, "Add the whole routine to cart" (HTMX and a plain
POST, a step sold out meanwhile skipped and named) and saving a guest's result to the account."""

from __future__ import annotations

import html
import re

from shop.accounts.models import User
from shop.analytics.store import get_mongo
from shop.cart.models import CartItem
from shop.extensions import db as _db
from tests.factories import UserFactory
from tests.recommendations.test_skin_analysis import routine_shop
from tests.recommendations.test_storefront import HTMX, answer_all, token
from tests.web.test_account_pages import CSRF_INPUT, sign_in


def _routine_form(page: str) -> tuple[str, list[str]]:
    form = re.search(r'<form class="routine-cart".*?</form>', page, re.S).group(0)
    return CSRF_INPUT.search(form).group(1), re.findall(r'name="product" value="(\d+)"', form)


def test_result_shows_cards_with_photo_price_in_riel_reason_and_the_clash(client, db):
    shop = routine_shop()
    answer_all(client, token(client))
    page = html.unescape(client.get("/skin-analysis/result").text)
    assert page.count('class="routine-card') >= 8
    assert "Add the whole routine to cart" in page
    assert "៛" in page and "Made for oily skin. Targets acne." in page
    # BHA toner and retinol serum do not mix: the cards of both say so.
    assert "routine-card routine-card--clash" in page
    _csrf, ids = _routine_form(page)
    assert str(shop["cleanser"].id) in ids and str(shop["toner_out"].id) not in ids
    assert len(ids) == len(set(ids))  # a product used morning and evening is added once


def test_whole_routine_goes_into_the_cart_with_htmx_skipping_a_step_sold_out_meanwhile(client, db):
    shop = routine_shop()
    shopper = UserFactory()
    sign_in(client, shopper.email)
    answer_all(client, token(client))
    csrf, ids = _routine_form(client.get("/skin-analysis/result").text)
    shop["cleanser"].stock = 0  # sold out while the shopper read the page
    _db.session.commit()
    response = client.post("/skin-analysis/routine/cart", data={"csrf_token": csrf, "product": ids}, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "cartChanged"
    body = html.unescape(response.text)
    assert f"{len(ids) - 1} products added to your cart." in body
    assert "Out of stock, not added: Acne Cleanser." in body
    assert 'hx-swap-oob="true"' in body and f'data-count="{len(ids) - 1}"' in body
    in_cart = set(_db.session.scalars(_db.select(CartItem.product_id).where(CartItem.user_id == shopper.id)))
    assert in_cart == {int(i) for i in ids} - {shop["cleanser"].id}


def test_whole_routine_without_javascript_posts_and_lands_on_the_cart(client, db):
    routine_shop()
    answer_all(client, token(client))
    csrf, ids = _routine_form(client.get("/skin-analysis/result").text)
    response = client.post("/skin-analysis/routine/cart", data={"csrf_token": csrf, "product": ids})
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    cart = html.unescape(client.get("/cart").text)
    assert f"{len(ids)} products added to your cart." in cart and "Acne Cleanser" in cart
    nothing = client.post("/skin-analysis/routine/cart", data={"csrf_token": csrf}, headers=HTMX)
    assert nothing.status_code == 400 and "There is nothing to add." in nothing.text
    assert client.post("/skin-analysis/routine/cart", data={"product": ids}).status_code == 400  # no token


def test_a_guests_result_is_saved_to_the_account_after_signing_in(client, db):
    routine_shop()
    answer_all(client, token(client))
    assert "Sign in to save your skin profile." in client.get("/skin-analysis/result").text
    shopper = UserFactory()
    sign_in(client, shopper.email)
    page = client.get("/skin-analysis/result").text
    assert "Save to my account" in page
    csrf = CSRF_INPUT.search(page).group(1)
    saved = client.post("/skin-analysis/save", data={"csrf_token": csrf})
    assert saved.status_code == 303
    _db.session.expire_all()
    assert _db.session.get(User, shopper.id).skin_concerns == ["acne"]
    assert get_mongo().skin_analyses.count_documents({"user_id": shopper.id}) == 1
    assert "Saved to your account." in client.get("/skin-analysis/result").text
