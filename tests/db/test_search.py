"""The search index on PostgreSQL (documents, triggers, typo vocabulary) and on SQLite (FTS5),
and the rating/sales counters."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.catalog import search
from shop.catalog import services as catalog
from shop.catalog.models import Category, Product, ProductStatus, SkinType
from shop.catalog.services import ProductFilters
from shop.orders.models import OrderStatus
from shop.reviews.models import ReviewStatus
from tests.factories import OrderItemFactory, ProductFactory, ReviewFactory

D = Decimal


# ---------------------------------------------------------------- text (no database)


def test_tokenize_splits_khmer_runs_from_other_words_and_drops_punctuation():
    tokens = search.tokenize("Vitamin-C សេរ៉ូម\u200bថ្មី! 15ml")
    assert [(t.text, t.khmer) for t in tokens] == [
        ("vitamin", False),
        ("c", False),
        ("សេរ៉ូមថ្មី", True),  # the zero-width space is invisible, not a word break
        ("15ml", False),
    ]
    assert search.tokenize("!!! ??") == []
    assert search.parse("   ") is None


def test_khmer_clusters_keep_subscripts_and_vowel_signs_together():
    assert search.khmer_clusters("ស្បែកភ្លឺ") == ["ស្បែ", "ក", "ភ្លឺ"]
    assert search.khmer_grams("សេរ៉ូម ក") == {"សេរ៉ូ", "រ៉ូម", "ក"}


def test_documents_weight_names_and_hold_khmer_bigrams():
    document = search.build_document(
        {
            "name_en": "Rice Toner",
            "name_kh": "តូណឺរ",
            "brand": "Mekong Dew",
            "category": "toners",
            "skin_concerns": ["dark_spots"],
            "ingredients": ["Aqua"],
            "short_description": None,
            "description_en": "Milky.",
            "description_kh": "ស្រាល",
        }
    )
    assert document.rank_vector == (
        "'dark':8B 'dew':6B 'mekong':5B 'rice':1A 'spots':9B 'toner':2A 'toners':7B 'ណឺរ':3A 'តូណឺ':4A"
    )
    assert sorted(document.document.split()) == sorted(
        ["rice", "toner", "mekong", "dew", "toners", "dark", "spots", "aqua", "milky", "តូណឺ", "ណឺរ", "ស្រាល"]
    )
    assert document.words == {"rice", "toner", "mekong", "dew", "toners", "dark", "spots", "aqua", "milky"}


@pytest.mark.parametrize(
    ("a", "b"), [("hyaluronik", "hyaluronic"), ("serums", "serum"), ("rice", "price"), ("spf", "spf50")]
)
def test_python_trigram_similarity_is_pg_trgms(db, a, b):
    assert search.trigram_similarity(a, b) == pytest.approx(
        db.session.scalar(sa.text("SELECT similarity(:a, :b)"), {"a": a, "b": b}), abs=1e-6
    )


# ---------------------------------------------------------------- PostgreSQL index upkeep


def _state(db, product_id: int) -> tuple:
    """(queued, active in the index, indexed)"""
    return tuple(
        db.session.execute(
            sa.text(
                "SELECT EXISTS (SELECT 1 FROM product_search_queue WHERE product_id = :id), "
                "(SELECT active FROM product_search WHERE product_id = :id), "
                "EXISTS (SELECT 1 FROM product_search WHERE product_id = :id)"
            ),
            {"id": product_id},
        ).one()
    )


def test_triggers_queue_products_only_when_the_text_changes(db):
    item = ProductFactory(name_en="Rice Toner")
    assert _state(db, item.id) == (True, None, False)
    assert search.reindex_products() == 1
    assert _state(db, item.id) == (False, True, True)

    db.session.execute(sa.update(Product).where(Product.id == item.id).values(stock=Product.stock - 1))
    db.session.commit()
    assert _state(db, item.id) == (False, True, True)  # stock: the document stays

    item.status = ProductStatus.DRAFT
    db.session.commit()
    assert _state(db, item.id) == (False, False, True)  # hidden from search at once

    item.description_en = "Now with niacinamide."
    db.session.commit()
    assert _state(db, item.id) == (True, False, True)

    db.session.delete(item)
    db.session.commit()
    assert db.session.scalar(sa.text("SELECT count(*) FROM product_search")) == 0
    assert db.session.scalar(sa.text("SELECT count(*) FROM product_search_queue")) == 0


def test_a_search_indexes_changed_products_first(db):
    item = ProductFactory(name_en="Lotus Toner")
    assert [p.id for p in catalog.list_products(ProductFilters(query="lotus")).items] == [item.id]
    item.name_en = "Jasmine Mist"
    db.session.commit()
    assert catalog.list_products(ProductFilters(query="lotus")).items == []
    assert [p.id for p in catalog.list_products(ProductFilters(query="jasmine")).items] == [item.id]


def test_a_run_of_letters_too_long_for_a_tsvector_is_left_out_of_the_document(db):
    # PostgreSQL refuses lexemes over 2,047 bytes; a description holding one was a 500 on save.
    item = ProductFactory(name_en="Lotus Toner", description_kh="0" * 20_000, description_en="ក" * 1_000)
    assert [p.id for p in catalog.list_products(ProductFilters(query="lotus")).items] == [item.id]
    assert catalog.list_products(ProductFilters(query="0" * 50)).items == []
    longest = db.session.scalar(
        sa.text("SELECT max(length(w)) FROM product_search, unnest(tsvector_to_array(document)) AS w")
    )
    assert longest <= search.MAX_LEXEME_LENGTH


def test_the_typo_vocabulary_is_filled_when_documents_are_built(db):
    ProductFactory(name_en="Niacinamide Booster", description_en="Calms redness.")
    search.reindex_products()
    words = set(
        db.session.scalars(
            sa.text("SELECT word FROM search_words WHERE word IN ('niacinamide', 'booster', 'calms', 'redness')")
        )
    )
    assert words == {"niacinamide", "booster", "calms", "redness"}
    # A known word's prefix is not a typo; an unknown word gets its nearest known words.
    assert search.postgresql_tsquery(search.tokenize("niacinam niacinamyde boostr")) == (
        "('niacinam':*) & ('niacinamyde':* | 'niacinamide') & ('boostr':* | 'booster')"
    )


# ---------------------------------------------------------------- counters


def test_refresh_product_stats_counts_approved_reviews_and_live_orders(db):
    item = ProductFactory()
    other = ProductFactory()
    ReviewFactory(product_id=item.id, rating=5)
    ReviewFactory(product_id=item.id, rating=4)
    ReviewFactory(product_id=item.id, rating=4)
    ReviewFactory(product_id=item.id, rating=1, status=ReviewStatus.PENDING)
    ReviewFactory(product_id=item.id, rating=1, status=ReviewStatus.REJECTED)
    OrderItemFactory(product=item, quantity=3)
    OrderItemFactory(product=item, quantity=2, order__status=OrderStatus.DELIVERED)
    OrderItemFactory(product=item, quantity=9, order__status=OrderStatus.CANCELLED)
    OrderItemFactory(product=item, quantity=9, order__status=OrderStatus.REFUNDED)
    assert catalog.refresh_product_stats() == 1  # `other` has nothing to count: not written
    db.session.commit()
    db.session.refresh(item)
    db.session.refresh(other)
    assert (item.rating_avg, item.rating_count, item.units_sold) == (D("4.33"), 3, 5)
    assert (other.rating_avg, other.rating_count, other.units_sold) == (D("0.00"), 0, 0)
    assert catalog.refresh_product_stats([item.id]) == 0  # nothing changed since


# ---------------------------------------------------------------- SQLite (the embedded mode): FTS5


@pytest.fixture
def sqlite_app(make_app, tmp_path):
    from flask_migrate import upgrade

    from shop.extensions import db as shop_db

    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'search.db'}")
    with application.app_context():
        upgrade()
        yield application
        shop_db.session.remove()


def _names(query: str, **filters) -> list[str]:
    return [p.name_en for p in catalog.list_products(ProductFilters(query=query, **filters)).items]


def test_sqlite_search_in_english_and_khmer_with_typos(sqlite_app):
    from shop.extensions import db

    serum = Product(
        name_en="Vitamin C Serum", name_kh="សេរ៉ូមវីតាមីនសេ", slug="vc", sku="VC", price=D("18.00"), category="serums"
    )
    essence = Product(
        name_en="Hyaluronic Acid Essence", name_kh="អេសសិន", slug="ha", sku="HA", price=D("15.00"), category="essences"
    )
    toner = Product(
        name_en="Rice Toner",
        name_kh="តូណឺរ",
        slug="rt",
        sku="RT",
        price=D("9.00"),
        category="toners",
        description_en="Use before your serum.",
        skin_concerns=["acne"],
    )
    db.session.add_all([serum, essence, toner])
    db.session.flush()
    serums = Category(name="Serums", slug="serums")
    serum.categories.append(serums)
    draft = Product(
        name_en="Draft Serum", slug="ds", sku="DS", price=D("9.00"), category="serums", status=ProductStatus.DRAFT
    )
    db.session.add_all([serum, essence, toner, draft])
    db.session.commit()

    assert _names("សេរ៉ូម") == ["Vitamin C Serum"]
    assert _names("hyaluronik") == ["Hyaluronic Acid Essence"]
    assert _names("serum") == ["Vitamin C Serum", "Rice Toner"]  # the name match ranks first
    assert _names("serum", max_price=D("10")) == ["Rice Toner"]
    assert _names("vitamin c") == ["Vitamin C Serum"]  # "c" is too short for trigrams: a name match
    assert _names("មុន") == ["Rice Toner"]  # acne, by its Khmer name
    assert catalog.list_products(ProductFilters(query="serum")).total == 2
    assert _names("", category=serums) == ["Vitamin C Serum"]

    toner.name_en = "Jasmine Water"
    db.session.commit()
    assert _names("rice") == []
    assert _names("water") == ["Jasmine Water"]
    db.session.delete(serum)
    db.session.commit()
    assert _names("សេរ៉ូម") == []


def test_sqlite_listings_and_pages_work_without_a_shared_cache(sqlite_app):
    from shop.extensions import db

    db.session.add(Product(name_en="Rice Toner", slug="rice-toner", sku="RT", price=D("9.00"), category="toners"))
    db.session.commit()
    assert catalog.catalog_cache_enabled() is False
    client = sqlite_app.test_client()
    assert "Rice Toner" in client.get("/shop?q=rice").text
    page = client.get("/products/rice-toner")
    assert page.status_code == 200
    assert "ETag" in page.headers
    assert client.get("/api/v1/products/search?q=toner").get_json()["data"]["total_items"] == 1


def test_stop_words_are_dropped_unless_nothing_else_is_left():
    assert [t.text for t in search.parse("serum for the dry skin").tokens] == ["serum", "dry", "skin"]
    assert [t.text for t in search.parse("for the").tokens] == ["for", "the"]


def test_a_search_is_counted_ranked_and_paged_in_one_go(client, db):
    named = [ProductFactory(name_en=f"Serum {n}") for n in range(3)]
    mentioned = [ProductFactory(name_en=f"Toner {n}", description_en="Use before a serum.") for n in range(2)]
    ProductFactory(name_en="Plain Cream")
    pages = [catalog.list_products(ProductFilters(query="serum"), page=n, per_page=2) for n in (1, 2, 3, 4)]
    # Names first (equal ranks: the most recently added first), then the description matches.
    assert [[p.id for p in page.items] for page in pages] == [
        [named[2].id, named[1].id],
        [named[0].id, mentioned[1].id],
        [mentioned[0].id],
        [],
    ]
    assert {(page.total, page.estimated) for page in pages} == {(5, False)}
    assert pages[3].is_past_the_end and not pages[2].is_past_the_end
    db.session.commit()
    assert client.get("/shop?q=serum&page=1").status_code == 200
    assert client.get("/shop?q=serum&page=2").status_code == 404  # 24 a page: one page of 5


def test_a_filtered_listing_past_its_last_page_still_knows_its_total(db):
    for n in range(3):
        ProductFactory(name_en=f"Gel {n}", skin_type=SkinType.OILY, stock=5)
    ProductFactory(name_en="Balm", skin_type=SkinType.DRY, stock=5)
    filters = ProductFilters(skin_type=SkinType.OILY, in_stock=True)
    last = catalog.list_products(filters, page=2, per_page=2)
    past = catalog.list_products(filters, page=3, per_page=2)
    assert (len(last.items), last.total) == (1, 3)
    assert (past.items, past.total, past.is_past_the_end) == ([], 3, True)


def test_a_search_matching_more_than_the_rank_limit_is_shown_most_recent_first(db, monkeypatch):
    named = ProductFactory(name_en="Serum One", description_en="Light.")
    mentioned = ProductFactory(name_en="Plain Toner", description_en="Use before a serum.")
    by_rank = catalog.list_products(ProductFilters(query="serum"))
    assert [p.id for p in by_rank.items] == [named.id, mentioned.id]
    monkeypatch.setattr(catalog, "RANK_LIMIT", 1)
    assert [p.id for p in catalog.list_products(ProductFilters(query="serum")).items] == [mentioned.id, named.id]
    suggestions = catalog.list_products(ProductFilters(query="serum"), per_page=5, with_total=False)
    assert [p.id for p in suggestions.items] == [mentioned.id, named.id]


def test_a_khmer_word_is_estimated_by_its_rarest_bigram(db, monkeypatch):
    """The planner multiplies a word's bigrams as if they were independent; they are pieces of
    one word, and the rarest alone is the better estimate."""
    serums = [ProductFactory(name_en=f"Serum {n}", name_kh=f"សេរ៉ូម {n}") for n in range(12)]
    for n in range(6):
        ProductFactory(name_en=f"Sera {n}", name_kh=f"សេរ៉ូ {n}")  # the first bigram alone
    for n in range(14):
        ProductFactory(name_en=f"Cream {n}", name_kh="ក្រែម")
    catalog.list_products(ProductFilters(query="cream"))  # builds the search documents
    db.session.commit()
    db.session.execute(sa.text("ANALYZE product_search"))
    text = search.parse("សេរ៉ូម")
    ids, _, _ = text.apply(sa.select(search.product_search.c.product_id), standalone=True)
    assert ids.compile(db.engine).params[search.QUERY_PARAMETER] == "(('សេរ៉ូ' & 'រ៉ូម'))"  # a match needs both
    estimating = text.for_estimate(ids)
    assert estimating.compile(db.engine).params[search.QUERY_PARAMETER] == "('រ៉ូម')"  # in 12 documents, not 18
    monkeypatch.setattr(catalog, "RANK_LIMIT", 10)
    first = catalog.list_products(ProductFilters(query="សេរ៉ូម"), per_page=5)
    assert first.estimated and first.total >= 12  # the bigrams multiplied said about 7: all would be ranked
    assert [p.id for p in first.items] == [p.id for p in reversed(serums)][:5]  # past the limit: newest first


def test_a_search_matching_more_than_the_rank_limit_gets_an_estimated_total(client, db, monkeypatch):
    serums = [ProductFactory(name_en=f"Serum {n}", skin_type=SkinType.OILY) for n in range(25)]
    ProductFactory(name_en="Plain Toner", skin_type=SkinType.DRY)
    exact = catalog.list_products(ProductFilters(query="serum"))
    assert (exact.total, exact.estimated) == (25, False)
    monkeypatch.setattr(catalog, "RANK_LIMIT", 0)  # any planner estimate (at least 1 row) is past it
    search = ProductFilters(query="serum")
    first, last, past = (catalog.list_products(search, page=n, per_page=10) for n in (1, 3, 4))
    # The estimate, but never less than what the page saw: a next page is offered while there is one.
    assert first.estimated and first.total >= 11 and first.has_next
    assert (last.total, last.estimated, last.has_next, len(last.items)) == (25, False, False, 5)  # the last page knows
    assert past.is_past_the_end and past.items == []
    pages = [catalog.list_products(search, page=n, per_page=10).items for n in (1, 2, 3)]
    assert {p.id for page in pages for p in page} == {p.id for p in serums}
    assert catalog.list_products(ProductFilters(), per_page=10).estimated  # one filter (or none): estimated too
    # Several filters: the planner multiplies guesses, so they are always counted.
    several = catalog.list_products(ProductFilters(skin_type=SkinType.OILY, in_stock=True))
    assert (several.total, several.estimated) == (25, False)
    db.session.commit()
    body = client.get("/api/v1/products/search?q=serum&limit=10").get_json()["data"]
    assert body["total_is_estimate"] is True and body["total_items"] == first.total and body["has_next_page"]
    counted = client.get("/api/v1/products?skin_type=oily&in_stock=true").get_json()["data"]
    assert (counted["total_items"], counted["total_is_estimate"]) == (25, False)
    assert "About " in client.get("/shop?q=serum").text
