"""The site header and footer (storefront.layout): kept per language, sign-in state and page,
their holes (the CSRF token, the other language's link, the search box, the cart badge) filled
per request; the shopper's copies in Redis read in one round trip (storefront.cart_views
.read_shopper_copies). Real PostgreSQL and Redis."""

from __future__ import annotations

import re

from storefront import layout
from tests.factories import CategoryFactory, ProductFactory, UserFactory
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add, badge, post

HEADER_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
TOKENS = re.compile(r'name="csrf_token" value="([^"]+)"')


def header(text: str) -> str:
    return re.search(r'<header class="site-header">.*?</header>', text, re.S).group(0)


def footer(text: str) -> str:
    return re.search(r'<footer class="site-footer">.*?</footer>', text, re.S).group(0)


def kept_headers() -> list[tuple]:
    return [key for key in layout._kept if key[0] == "header"]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "@@pfh:" not in response.text
    return response.text


def test_signing_in_and_out_changes_the_kept_header_at_once(app, db):
    layout.forget_all()
    user = UserFactory()
    client = app.test_client()
    anonymous = header(page(client, "/cart"))
    assert "Sign in" in anonymous and "Sign out" not in anonymous
    sign_in(client, user.email)
    signed_in = page(client, "/cart")
    assert "Sign out" in header(signed_in) and "Sign in<" not in header(signed_in)
    assert set(TOKENS.findall(signed_in)) == {HEADER_TOKEN.search(signed_in).group(1)}
    assert {key[2] for key in kept_headers() if key[3] == "storefront.cart"} == {False, True}
    post(client, "/account/logout")
    again = header(page(client, "/cart"))
    assert "Sign in" in again and "Sign out" not in again


def test_each_browser_gets_its_own_token_in_a_kept_header(app, db):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        sign_in(client, UserFactory().email)
    mine, theirs = page(first, "/cart"), page(second, "/cart")
    assert len(kept_headers()) >= 1
    for text in (mine, theirs):
        assert set(TOKENS.findall(header(text))) == {HEADER_TOKEN.search(text).group(1)}
    assert HEADER_TOKEN.search(mine).group(1) != HEADER_TOKEN.search(theirs).group(1)


def test_the_cart_badge_follows_the_cart_on_a_kept_header(app, db):
    client = app.test_client()
    sign_in(client, UserFactory().email)
    serum, toner = ProductFactory(), ProductFactory()
    assert badge(page(client, "/shop")) == 0
    add(client, serum)
    assert badge(page(client, "/shop")) == 1
    add(client, toner, 2)
    text = page(client, "/shop")
    assert badge(text) == 3 and "Cart, 3 items" in header(text)


def test_language_links_and_the_search_box_are_each_requests_own(app, db):
    client = app.test_client()
    sign_in(client, UserFactory().email)
    page(client, "/shop?q=serum")
    text = header(page(client, "/shop?q=%22%3E%3Cb%3Etoner"))
    assert 'value="&#34;&gt;&lt;b&gt;toner"' in text and "<b>toner" not in text
    assert 'href="/shop?q=%22%3E%3Cb%3Etoner&amp;lang=km"' in text
    khmer = page(client, "/shop?q=serum&lang=km")
    assert "ចាកចេញ" in header(khmer) and "Sign out" not in header(khmer)
    assert 'href="/shop?q=serum&amp;lang=en"' in header(khmer) and 'value="serum"' in header(khmer)
    assert "Sign out" in header(page(client, "/shop?lang=en"))


def test_the_current_page_is_marked_in_the_kept_header(app, db):
    CategoryFactory(slug="face")
    client = app.test_client()
    sign_in(client, UserFactory().email)
    for _ in range(2):
        home, shop, account = page(client, "/"), page(client, "/shop"), page(client, "/account")
        assert re.search(r'href="/"\s+aria-current="page"', header(home))
        assert 'aria-current="page"' not in header(home).split('class="account-nav"')[1]
        assert re.search(r'href="/shop"\s+aria-current="page"', header(shop))
        assert re.search(r'href="/account"\s+aria-current="page"', header(account))
        assert not re.search(r'href="/"\s+aria-current', header(account))


def test_the_footer_follows_the_language(app, db):
    client = app.test_client()
    english, khmer = footer(page(client, "/cart")), footer(page(client, "/cart?lang=km"))
    assert "Contact us" in english and "Contact us" not in khmer
    assert footer(page(client, "/cart?lang=en")) == english


def test_a_saved_product_shows_at_once_on_a_kept_listing(app, db):
    CategoryFactory(slug="face", name="Face")
    serum = ProductFactory(category="face")
    client = app.test_client()
    sign_in(client, UserFactory().email)

    def pressed(text: str) -> str:
        return re.search(rf'action="/wishlist/toggle/{serum.id}".*?aria-pressed="(\w+)"', text, re.S).group(1)

    assert pressed(page(client, "/shop")) == "false"
    assert post(client, f"/wishlist/toggle/{serum.id}", form_url="/shop").status_code in (302, 303)
    assert pressed(page(client, "/shop")) == "true"
    assert post(client, f"/wishlist/toggle/{serum.id}", form_url="/shop").status_code in (302, 303)
    assert pressed(page(client, "/shop")) == "false"
