"""What a signed-in shopper's listing keeps between requests, and that a change shows at once:
the shared listing (shop.catalog.listing_cache), the content around the cards
(storefront.listing_pages), the wishlist and cart copies in Redis (shop.infra.redis_copies).
Real PostgreSQL and Redis; changes go through the shop's services."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.audit.actors import Actor
from shop.catalog import editing
from shop.catalog import services as catalog
from shop.catalog.models import Product
from shop.extensions import cache
from shop.infra import redis_copies
from shop.orders import services as orders
from shop.wishlist import services as wishlist
from storefront import cards
from tests.factories import CategoryFactory, ProductFactory, UserFactory
from tests.orders.test_place_order import PHNOM_PENH
from tests.support.statements import sent_statements
from tests.web.test_account_pages import sign_in
from tests.web.test_cart_pages import add, badge, token

D = Decimal
STAFF = Actor(None, None)
HEART = re.compile(r'action="/wishlist/toggle/(\d+)".*?aria-pressed="(true|false)"', re.S)


@pytest.fixture
def queries(db) -> Iterator[list[str]]:
    """The SQL statements sent while the test runs (after the fixture starts)."""
    with sent_statements(db.engine) as statements:
        yield statements


@pytest.fixture
def shelf(db):
    """A category with three products, newest last."""
    category = CategoryFactory(name="Serums", slug="serums")
    items = [ProductFactory(name_en=f"Glow Serum {n}", categories=[category], stock=5) for n in range(3)]
    catalog.invalidate_catalog_cache()
    return category, items


@pytest.fixture
def shopper(client, db):
    user = UserFactory(email="sokha@example.com")
    sign_in(client, user.email)
    return user


def names(page) -> list[str]:
    return re.findall(r'class="product-card__name"><a [^>]*>([^<]+)</a>', page.text)


def hearts(page) -> dict[int, bool]:
    return {int(pid): pressed == "true" for pid, pressed in HEART.findall(page.text)}


def test_a_signed_in_listing_asks_the_database_only_for_the_shopper_and_the_page_products(
    client, shelf, shopper, queries
):
    category, items = shelf
    assert client.get(f"/categories/{category.slug}").status_code == 200  # found and drawn once
    queries.clear()
    page = client.get(f"/categories/{category.slug}")
    assert names(page) == ["Glow Serum 2", "Glow Serum 1", "Glow Serum 0"]
    tables = [re.search(r"\bFROM (\w+)", q).group(1) for q in queries if "FROM" in q]
    assert tables == ["users", "products"]  # no categories, product_facets, count, wishlist or cart
    search = client.get("/shop?q=glow")
    assert names(search) == ["Glow Serum 2", "Glow Serum 1", "Glow Serum 0"]
    queries.clear()
    assert names(client.get("/shop?q=glow")) == names(search)
    assert [re.search(r"\bFROM (\w+)", q).group(1) for q in queries if "FROM" in q] == ["users", "products"]


def test_a_product_edit_shows_at_once_in_a_signed_in_listing_and_search(client, shelf, shopper):
    category, items = shelf
    assert "Glow Serum 1" in names(client.get(f"/categories/{category.slug}"))
    assert "Glow Serum 1" in names(client.get("/shop?q=glow"))
    editing.update_product(items[1].id, {"name_en": "Rain Mist", "price": "21.00"}, actor=STAFF)
    listing = client.get(f"/categories/{category.slug}")
    assert names(listing) == ["Glow Serum 2", "Rain Mist", "Glow Serum 0"]
    assert "$21.00" in listing.text
    assert names(client.get("/shop?q=glow")) == ["Glow Serum 2", "Glow Serum 0"]
    assert names(client.get("/shop?q=rain")) == ["Rain Mist"]
    editing.update_product(items[0].id, {"status": "archived"}, actor=STAFF)
    assert names(client.get(f"/categories/{category.slug}")) == ["Glow Serum 2", "Rain Mist"]
    assert "2 products" in client.get(f"/categories/{category.slug}").text


def test_a_new_product_shows_at_once(client, shelf, shopper):
    category, _items = shelf
    assert len(names(client.get(f"/categories/{category.slug}"))) == 3
    assert names(client.get("/shop?q=jasmine")) == []
    editing.create_product(
        {
            "name_en": "Jasmine Glow Serum",
            "sku": "NEW-1",
            "price": "9.00",
            "status": "active",
            "category_ids": [category.id],
        },
        actor=STAFF,
    )
    assert names(client.get(f"/categories/{category.slug}"))[0] == "Jasmine Glow Serum"
    assert "4 products" in client.get(f"/categories/{category.slug}").text
    assert names(client.get("/shop?q=jasmine")) == ["Jasmine Glow Serum"]


def test_stock_to_zero_by_the_staff_or_by_an_order_shows_at_once(client, shelf, shopper, db):
    category, items = shelf
    in_stock = f"/categories/{category.slug}?in_stock=1"
    assert len(names(client.get(in_stock))) == 3
    editing.update_product(items[0].id, {"stock": "0"}, actor=STAFF)
    assert names(client.get(in_stock)) == ["Glow Serum 2", "Glow Serum 1"]
    # The last five jars of another go in one order: the in-stock listing drops it at once, and
    # its card says so in the listing of everything.
    buyer = UserFactory()
    order = orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(items[2].id, 5)],
            email=buyer.email,
            user_id=buyer.id,
            shipping_address=PHNOM_PENH,
        )
    )
    assert names(client.get(in_stock)) == ["Glow Serum 1"]
    assert "1 product" in client.get(in_stock).text
    everything = client.get(f"/categories/{category.slug}").text
    assert everything.count("Out of stock") >= 2
    # The order cancelled: back in stock, at once.
    orders.cancel_order(order.id, user_id=buyer.id)
    assert names(client.get(in_stock)) == ["Glow Serum 2", "Glow Serum 1"]


def test_an_order_that_leaves_stock_keeps_the_catalog_generation(client, shelf, shopper, db):
    """Only selling a product out (or bringing it back) changes what listings show."""
    _category, items = shelf
    before = catalog.current_generation()
    buyer = UserFactory()
    orders.place_order(
        orders.Checkout(
            items=[orders.BasketItem(items[1].id, 2)], email=buyer.email, user_id=buyer.id, shipping_address=PHNOM_PENH
        )
    )
    assert catalog.current_generation() == before
    assert db.session.scalar(sa.select(Product.stock).where(Product.id == items[1].id)) == 3


def test_a_change_made_by_another_process_shows_in_the_next_listing(client, shelf, shopper, db):
    """Another process moves the generation on in Redis: this one reads it for every listing
    (not the product pages' copy of up to a second ago)."""
    category, items = shelf
    assert len(names(client.get(f"/categories/{category.slug}"))) == 3
    db.session.execute(sa.update(Product).where(Product.id == items[0].id).values(status="draft"))
    db.session.commit()
    cache.cache.inc(catalog.GENERATION_KEY)  # what invalidate_catalog_cache does, elsewhere
    assert names(client.get(f"/categories/{category.slug}")) == ["Glow Serum 2", "Glow Serum 1"]


def test_hearts_cards_and_tokens_are_each_shoppers_own_on_a_kept_page(app, client, shelf, shopper):
    category, items = shelf
    url = f"/categories/{category.slug}"
    wishlist.add(shopper.id, items[1].id)
    other = app.test_client()
    sign_in(other, UserFactory(email="dara@example.com").email)
    anonymous = app.test_client()
    mine, theirs, nobodys = client.get(url), other.get(url), anonymous.get(url)
    assert hearts(mine) == {items[0].id: False, items[1].id: True, items[2].id: False}
    assert hearts(theirs) == dict.fromkeys(hearts(mine), False)
    assert hearts(nobodys) == dict.fromkeys(hearts(mine), False)
    assert "My account" in mine.text and "My account" in theirs.text and "Sign in" in nobodys.text
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]+)"', p.text)) for p in (mine, theirs, nobodys)]
    assert all(len(t) == 1 for t in tokens) and len(set.union(*tokens)) == 3
    # A heart toggled shows on the next page, the page around it being kept.
    client.post(f"/wishlist/toggle/{items[0].id}", data={"csrf_token": token(client, url)})
    assert hearts(client.get(url))[items[0].id] is True
    # The HTMX fragment of the same URL is the results alone, with the same hearts.
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="catalog-results"')
    assert hearts(fragment) == {items[0].id: True, items[1].id: True, items[2].id: False}
    assert "<header" not in fragment.text


def test_a_kept_page_is_per_language_and_search(client, shelf, shopper):
    category, _items = shelf
    english = client.get(f"/categories/{category.slug}").text
    khmer = client.get(f"/categories/{category.slug}?lang=km").text
    assert "3 products" in english and "3 products" not in khmer
    assert 'lang="km"' in khmer
    searched = client.get("/shop?q=glow").text
    search_id = re.search(r"from_search=([0-9a-f]{24})", searched).group(1)
    assert searched.count(f"from_search={search_id}") == 3
    assert "from_search" not in client.get("/shop").text


def test_the_cart_badge_of_an_empty_cart_is_read_from_redis_and_an_add_shows_at_once(client, shelf, shopper, queries):
    category, items = shelf
    url = f"/categories/{category.slug}"
    assert badge(client.get(url).text) == 0
    queries.clear()
    assert badge(client.get(url).text) == 0
    assert not [q for q in queries if "shopping_cart" in q]  # the empty cart's copy
    add(client, items[0], 2)
    assert badge(client.get(url).text) == 2


# ---------------------------------------------------------------- copies in Redis, under races


def test_a_copy_read_before_a_change_is_never_stored_after_it(app, db):
    """The race the versions close: a reader misses, reads the table, a change commits and
    forgets the copy, then the reader stores what it read before the change."""
    user = UserFactory()
    item = ProductFactory()
    key = f"wishlist:{user.id}"
    seen = redis_copies.read(key)  # a listing misses and reads the table: nothing saved ...
    assert seen is not None and seen.value is None
    wishlist.add(user.id, item.id)  # ... a heart is saved meanwhile (commit, then forget) ...
    assert redis_copies.store(key, "[]", seen=seen, ttl=60) is False  # ... so its stale copy is refused
    assert wishlist.product_ids(user.id) == {item.id}
    assert wishlist.product_ids(user.id) == {item.id}  # now from the copy
    assert app.extensions["redis"].get(key) is not None


def test_wishlist_copies_match_the_table_after_concurrent_changes_and_reads(app, db):
    user = UserFactory()
    products = [ProductFactory() for _ in range(6)]
    ids = [p.id for p in products]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with app.app_context():
                for _ in range(10):
                    wishlist.toggle(user.id, ids[n % len(ids)])
                    wishlist.product_ids(user.id)
        except BaseException as error:  # pragma: no cover (reported below)
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    wishlist.product_ids(user.id)  # store a copy if the last reader lost its race
    from shop.wishlist.models import WishlistItem

    table = set(db.session.scalars(sa.select(WishlistItem.product_id).where(WishlistItem.user_id == user.id)))
    assert wishlist.product_ids(user.id) == table
    kept = app.extensions["redis"].get(f"wishlist:{user.id}")
    assert kept is not None and set(map(int, re.findall(r"\d+", kept.decode()))) == table


def test_without_redis_nothing_is_kept(make_app, database_url, db):
    embedded = make_app(SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=None, CACHE_TYPE="SimpleCache")
    category = CategoryFactory(slug="masks")
    item = ProductFactory(name_en="Clay Mask", categories=[category])
    visitor = embedded.test_client()
    assert names(visitor.get("/categories/masks")) == ["Clay Mask"]
    db.session.execute(sa.update(Product).where(Product.id == item.id).values(name_en="Rice Mask"))
    ProductFactory(name_en="Mud Mask", categories=[category])
    db.session.commit()
    assert names(visitor.get("/categories/masks")) == ["Mud Mask", "Rice Mask"]


def test_a_card_drawn_from_its_row_is_the_card_drawn_from_the_product(app, db):
    """Listings draw cards from rows of CARD_FIELDS (storefront.cards.CardProduct), the other
    pages from Products: the same card either way, sold out, on sale and from a price too."""
    items = [
        ProductFactory(name_en="Glow Serum", compare_at_price=D("20.00"), price=D("15.00"), brand="Mekong Dew"),
        ProductFactory(name_en="Rain Mist", stock=0, brand=None, image_url="/uploads/products/a.webp"),
        ProductFactory(name_en="Clay Mask", price_max=D("30.00"), allow_backorders=True, stock=0),
    ]
    found = catalog.ListingIds(tuple(p.id for p in items), 1, 24, 3).rows(cards.CARD_FIELDS)
    rows = cards.card_products(found.items)
    with app.test_request_context("/shop?lang=km"):
        for saved in (set(), {items[0].id}):
            assert cards._draw(rows, saved, from_search=True) == cards._draw(items, saved, from_search=True)
    assert [r.is_in_stock for r in rows] == [True, False, True]
