"""product_facets (migration 0010): the database keeps it in step with products and
product_categories, one row per public product. Real PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from shop.catalog import facets
from shop.catalog import services as catalog
from shop.catalog.models import Product, ProductStatus, SkinType, product_categories
from shop.catalog.services import ProductFilters
from tests.factories import CategoryFactory, ProductFactory


def facet(db, product_id: int) -> dict | None:
    row = db.session.execute(sa.text("SELECT * FROM product_facets WHERE id = :id"), {"id": product_id}).mappings()
    found = row.first()
    return dict(found) if found else None


def test_a_public_product_has_a_row_and_others_do_not(db):
    public = ProductFactory(price=Decimal("12.50"), stock=3, skin_concerns=["acne"])
    draft = ProductFactory(status=ProductStatus.DRAFT)
    row = facet(db, public.id)
    assert (row["price"], row["stock"], row["skin_concerns"], row["category_ids"]) == (
        Decimal("12.50"),
        3,
        ["acne"],
        [],
    )
    assert facet(db, draft.id) is None

    db.session.execute(sa.update(Product).where(Product.id == public.id).values(status=ProductStatus.ARCHIVED))
    db.session.execute(sa.update(Product).where(Product.id == draft.id).values(status=ProductStatus.ACTIVE))
    db.session.commit()
    assert facet(db, public.id) is None
    assert facet(db, draft.id) is not None


def test_changes_to_what_listings_read_are_copied_in_one_statement_for_many_rows(db):
    first, second = ProductFactory(stock=5), ProductFactory(stock=7)
    db.session.execute(
        sa.update(Product)
        .where(Product.id.in_([first.id, second.id]))
        .values(stock=Product.stock - 1, units_sold=Product.units_sold + 1, compare_at_price=Decimal("30.00"))
    )
    db.session.commit()
    assert (facet(db, first.id)["stock"], facet(db, second.id)["stock"]) == (4, 6)
    assert facet(db, first.id)["units_sold"] == 1
    assert facet(db, second.id)["compare_at_price"] == Decimal("30.00")


def test_categories_follow_product_categories_and_a_deleted_product_goes(db):
    face, toners = CategoryFactory(), CategoryFactory()
    item = ProductFactory()
    db.session.execute(
        sa.insert(product_categories),
        [{"product_id": item.id, "category_id": face.id}, {"product_id": item.id, "category_id": toners.id}],
    )
    db.session.commit()
    assert facet(db, item.id)["category_ids"] == sorted([face.id, toners.id])
    db.session.execute(sa.delete(product_categories).where(product_categories.c.category_id == face.id))
    db.session.commit()
    assert facet(db, item.id)["category_ids"] == [toners.id]
    db.session.execute(sa.delete(Product).where(Product.id == item.id))
    db.session.commit()
    assert facet(db, item.id) is None


def test_every_public_product_has_exactly_one_row(db):
    ProductFactory.create_batch(3)
    ProductFactory(status=ProductStatus.DRAFT)
    public = db.session.scalar(
        sa.select(sa.func.count()).select_from(Product).where(Product.status == ProductStatus.ACTIVE)
    )
    rows = db.session.scalar(sa.text("SELECT count(*) FROM product_facets"))
    assert rows == public == 3


def _plan(db, query: sa.Select) -> str:
    """The plan PostgreSQL would choose if it could only walk indexes in order (the tables here
    are too small for it to prefer that on its own), once the table is vacuumed (an index-only
    scan is worth it on pages known to be all visible)."""
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM product_facets"))
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        db.session.execute(sa.text(f"SET LOCAL {setting} = off"))
    sql = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    return "\n".join(db.session.execute(sa.text(f"EXPLAIN {sql}")).scalars())


def test_only_a_query_stating_it_walks_the_newest_index(db):
    columns = facets.product_facets.c
    in_category = sa.select(columns.id).where(facets.in_categories([1, 2]))
    walk = in_category.where(facets.COVERED_WALK).order_by(columns.created_at.desc(), columns.id.desc())
    assert "Index Only Scan Backward using idx_product_facets_walk_newest" in _plan(db, walk.limit(24))
    count = sa.select(sa.func.count()).select_from(in_category.subquery())
    assert "idx_product_facets_walk_" not in _plan(db, count)
    db.session.rollback()


def test_a_filtered_listing_walks_its_sort_index_without_the_table(db):
    """Migration 0018: the filters are checked on the price index's entries (no heap fetch)."""
    columns = facets.product_facets.c
    conditions = catalog._conditions(
        ProductFilters(
            skin_type=SkinType.OILY, concerns=("acne",), min_price=Decimal("5"), in_stock=True, on_sale=True
        ),
        None,
        columns,
    )
    walk = (
        sa.select(columns.id).where(*conditions, facets.COVERED_WALK).order_by(columns.price.desc(), columns.id.desc())
    )
    plan = _plan(db, walk.limit(25))
    assert "Index Only Scan Backward using idx_product_facets_walk_price" in plan
    db.session.rollback()


def test_a_large_category_is_paged_newest_first(db, monkeypatch):
    face = CategoryFactory(slug="face")
    serums = CategoryFactory(slug="serums", parent_id=face.id)
    elsewhere = CategoryFactory(slug="body")
    listed = []
    for n in range(5):
        product = ProductFactory(name_en=f"Listed {n}")
        product.categories = [serums if n % 2 else face]
        listed.append(product)
        other = ProductFactory(name_en=f"Other {n}")
        other.categories = [elsewhere]
    db.session.commit()
    monkeypatch.setattr(catalog, "RANK_LIMIT", 0)  # every category is "large": its total is the planner's estimate
    pages = [catalog.list_products(ProductFilters(category=face), page=n, per_page=2) for n in (1, 2, 3, 4)]
    newest_first = [p.id for p in reversed(listed)]
    assert [[p.id for p in page.items] for page in pages] == [newest_first[:2], newest_first[2:4], newest_first[4:], []]
    assert [page.estimated for page in pages[:2]] == [True, True]
    assert (pages[2].total, pages[2].has_next) == (5, False)
    assert pages[3].is_past_the_end


def test_a_listing_with_several_filters_and_dense_matches_is_walked_with_an_estimated_total(db, monkeypatch):
    """Several filters whose matches fill a page within WALK_BUDGET entries: walked in the sort's
    order (no count); the total is "about" the planner's estimate, corrected by the page."""
    matching = [
        ProductFactory(name_en=f"Oily {n}", skin_type=SkinType.OILY, skin_concerns=["acne"], price=Decimal(10 + n))
        for n in range(7)
    ]
    for n in range(5):
        ProductFactory(name_en=f"Dry {n}", skin_type=SkinType.DRY, skin_concerns=["acne"], price=Decimal(30 + n))
    db.session.commit()
    db.session.execute(sa.text("ANALYZE product_facets"))
    monkeypatch.setattr(catalog, "WALK_ABOVE", 0)  # as if the shop were large
    monkeypatch.setattr(catalog, "WALK_BUDGET", 10**9)  # and every walk short
    filters = ProductFilters(skin_type=SkinType.OILY, concerns=("acne",))
    pages = [catalog.list_products(filters, sort=catalog.SortKey.PRICE_DESC, page=n, per_page=3) for n in (1, 2, 3, 4)]
    by_price = [p.id for p in reversed(matching)]
    assert [[p.id for p in page.items] for page in pages] == [by_price[:3], by_price[3:6], by_price[6:], []]
    assert pages[0].estimated
    assert (pages[2].total, pages[2].estimated, pages[2].has_next) == (7, False, False)
    assert pages[3].is_past_the_end


def test_a_listing_with_sparse_matches_is_still_counted(db, monkeypatch):
    for n in range(4):
        ProductFactory(skin_type=SkinType.OILY, skin_concerns=["acne"], price=Decimal(10 + n))
    db.session.commit()
    db.session.execute(sa.text("ANALYZE product_facets"))
    monkeypatch.setattr(catalog, "WALK_ABOVE", 0)  # as if the shop were large
    monkeypatch.setattr(catalog, "WALK_BUDGET", 0)  # but no walk short enough
    page = catalog.list_products(ProductFilters(skin_type=SkinType.OILY, concerns=("acne",)), per_page=3)
    assert (page.total, page.estimated, page.has_next) == (4, False, True)


def test_pages_past_the_listed_limit_are_past_the_end(db, monkeypatch):
    monkeypatch.setattr(catalog, "LISTED_LIMIT", 4)
    for n in range(7):
        ProductFactory(name_en=f"Product {n}")
    db.session.commit()
    second = catalog.list_products(page=2, per_page=2)
    third = catalog.list_products(page=3, per_page=2)
    assert (second.total, second.pages, second.has_next, second.is_capped) == (7, 2, False, True)
    assert (third.items, third.total, third.is_past_the_end) == ([], 7, True)


def test_a_walk_reads_at_most_walk_budget_entries_and_a_page_not_found_there_is_counted(db, monkeypatch):
    """The planner's estimate of several filters can be far too high (it takes them for
    independent): a walk that does not fill the page within WALK_BUDGET entries gives up."""
    for n in range(8):
        ProductFactory(skin_type=SkinType.DRY, skin_concerns=["acne"], price=Decimal(50 + n))
    cheap = [ProductFactory(skin_type=SkinType.OILY, skin_concerns=["acne"], price=Decimal(10 + n)) for n in range(2)]
    db.session.commit()
    filters = ProductFilters(skin_type=SkinType.OILY, concerns=("acne",))
    monkeypatch.setattr(catalog, "WALK_BUDGET", 5)  # the 5 dearest entries: no match among them
    assert catalog._walked_page(filters, None, catalog.SortKey.PRICE_DESC, offset=0, per_page=1) is None
    monkeypatch.setattr(catalog, "WALK_BUDGET", 100)
    found = catalog._walked_page(filters, None, catalog.SortKey.PRICE_DESC, offset=0, per_page=1)
    assert found == [cheap[1].id, cheap[0].id]
    page = catalog.list_products(filters, sort=catalog.SortKey.PRICE_DESC, per_page=1)
    assert ([p.id for p in page.items], page.total, page.estimated) == ([cheap[1].id], 2, False)
