"""`flask seed`: a believable demo shop, idempotent; `--scale N` for benchmarks."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shop.accounts.models import User, UserAddress, UserRole
from shop.catalog.models import Category, Product, ProductImage, ProductStatus
from shop.coupons.models import Coupon, CouponStatus, CouponType
from shop.demo.scale import seed_scale
from shop.demo.seed import seed_demo
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.reviews.models import Review, ReviewStatus

KHMER = re.compile(r"[\u1780-\u17FF]")


def _count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def seeded(db):
    return seed_demo(with_images=False)


def test_demo_catalog_is_large_enough_and_bilingual(db, seeded):
    assert _count(db, Category) >= 10
    assert _count(db, Product, Product.status == ProductStatus.ACTIVE) >= 60
    products = db.session.scalars(sa.select(Product)).all()
    assert all(KHMER.search(p.name_kh) and KHMER.search(p.description_kh) for p in products)
    assert all(p.ingredients and p.skin_concerns and p.brand for p in products)
    leaf_slugs = set(db.session.scalars(sa.select(Category.slug).where(Category.parent_id.is_not(None))))
    assert {p.category for p in products} <= leaf_slugs
    assert {s for (s,) in db.session.execute(sa.select(Product.status).distinct())} == set(ProductStatus)
    assert _count(db, Product, Product.compare_at_price.is_not(None)) >= 10
    assert _count(db, Product, Product.stock == 0) >= 1


def test_demo_has_staff_and_customers_with_addresses(db, seeded):
    roles = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    assert roles[UserRole.ADMIN] == 1 and roles[UserRole.MODERATOR] == 1 and roles[UserRole.CUSTOMER] >= 20
    assert _count(db, UserAddress) >= 20
    assert db.session.scalar(sa.select(User.email).where(User.role == UserRole.ADMIN)) == "admin@skincare.example"


def test_demo_phones_and_addresses_are_stored_as_the_shop_stores_typed_ones(db, seeded):
    """E.164 phones (shop.accounts.phones) and a province on every address, as the address
    book, checkout and the profile store them: a demo address needs no "choose a province"."""
    phones = db.session.scalars(sa.select(User.phone).where(User.phone.is_not(None))).all()
    phones += db.session.scalars(sa.select(UserAddress.phone)).all()
    assert phones and all(re.fullmatch(r"\+855\d{8,9}", phone) for phone in phones)
    provinces = db.session.scalars(sa.select(UserAddress.province)).all()
    assert provinces and all(re.fullmatch(r"KH-\d{1,2}", code or "") for code in provinces)
    phnom_penh = db.session.scalar(sa.select(UserAddress).where(UserAddress.city == "Phnom Penh").limit(1))
    assert phnom_penh.province == "KH-12"


def test_demo_has_orders_in_every_status_with_valid_totals(db, seeded):
    statuses = set(db.session.scalars(sa.select(Order.status).distinct()))
    assert statuses == set(OrderStatus)
    for order in db.session.scalars(sa.select(Order)):
        assert order.total == order.subtotal + order.tax_amount + order.shipping_amount - order.discount_amount
        assert order.subtotal == sum(item.total_price for item in order.items)
        assert order.events[0].to_status == "pending" and order.events[-1].to_status == order.status.value


def test_demo_has_reviews_in_every_status_and_coupons_of_every_type(db, seeded):
    assert set(db.session.scalars(sa.select(Review.status).distinct())) == set(ReviewStatus)
    assert set(db.session.scalars(sa.select(Coupon.type).distinct())) == set(CouponType)
    assert set(db.session.scalars(sa.select(Coupon.status).distinct())) == set(CouponStatus)
    verified = db.session.scalars(sa.select(Review).where(Review.is_verified_purchase)).all()
    for review in verified:
        bought = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderItem)
            .join(Order)
            .where(
                Order.user_id == review.user_id,
                OrderItem.product_id == review.product_id,
                Order.status == OrderStatus.DELIVERED,
            )
        )
        assert bought >= 1


def test_seeding_twice_adds_nothing(db, seeded):
    before = {m.__name__: _count(db, m) for m in (Category, Product, User, Coupon, Order, Review, UserAddress)}
    again = seed_demo(with_images=False)
    assert set(again.values()) == {0}
    assert {m.__name__: _count(db, m) for m in (Category, Product, User, Coupon, Order, Review, UserAddress)} == before


def test_images_are_generated_locally_once(db, app):
    seed_demo(with_images=True)
    images = db.session.scalars(sa.select(ProductImage)).all()
    assert images and all(i.image_url.startswith("/uploads/products/") for i in images)
    response = app.test_client().get(images[0].image_url)
    assert response.status_code == 200 and response.mimetype == "image/webp"


def test_scale_seed_adds_proportional_data_and_keeps_sequences_usable(db, seeded):
    counts = seed_scale(2000)
    assert counts == {
        "products": 2000,
        "users": 100,
        "orders": 200,
        "order_items": counts["order_items"],
        "reviews": 400,
    }
    assert 200 <= counts["order_items"] <= 800
    assert _count(db, Product) == 83 + 2000
    for order in db.session.scalars(sa.select(Order).where(Order.order_number.like("SK-SCALE-%")).limit(20)):
        assert order.subtotal == sum(item.total_price for item in order.items)
    # New rows after explicit-id bulk inserts still get fresh ids.
    from tests.factories import ProductFactory, UserFactory

    assert ProductFactory().id > 2083 and UserFactory().id > 122
    assert seed_scale(2000)["products"] == 0


FACET_ROW = (
    "SELECT p.id, p.created_at, p.price, p.compare_at_price, p.stock, p.track_inventory, p.allow_backorders, "
    "p.skin_type, p.skin_concerns, COALESCE((SELECT array_agg(pc.category_id ORDER BY pc.category_id) "
    "FROM product_categories pc WHERE pc.product_id = p.id), '{}'), p.rating_avg, p.rating_count, p.units_sold "
    "FROM products p WHERE p.status = 'active' AND p.sku LIKE 'SCL-%' ORDER BY p.id"
)
FACETS = (
    "SELECT f.id, f.created_at, f.price, f.compare_at_price, f.stock, f.track_inventory, f.allow_backorders, "
    "f.skin_type, f.skin_concerns, f.category_ids, f.rating_avg, f.rating_count, f.units_sold "
    "FROM product_facets f JOIN products p ON p.id = f.id WHERE p.sku LIKE 'SCL-%' ORDER BY f.id"
)
INDEXES_AND_TRIGGERS = (
    "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
    "UNION ALL SELECT 'trigger', tgname, tgenabled::text FROM pg_trigger WHERE NOT tgisinternal"
)


def test_scale_seed_writes_what_the_triggers_and_the_recount_would(db, seeded):
    """The load writes the facet rows, search documents, default variants and counters itself
    (triggers off, indexes rebuilt after): each must be what the shop's own code makes of the rows."""
    from shop.catalog import search
    from shop.catalog.models import MIRRORED, ProductVariant
    from shop.catalog.services import ProductFilters, list_products, refresh_product_stats

    refresh_product_stats()  # the demo's products, as `flask seed` counts them
    db.session.commit()
    schema = set(db.session.execute(sa.text(INDEXES_AND_TRIGGERS)).tuples())
    seed_scale(1500)
    assert set(db.session.execute(sa.text(INDEXES_AND_TRIGGERS)).tuples()) == schema  # rebuilt, enabled again

    # Counters: a recount changes nothing, and there is something to count.
    assert refresh_product_stats() == 0
    db.session.rollback()
    scale = Product.sku.like("SCL-%")
    assert _count(db, Product, scale, Product.units_sold > 0) > 100
    assert _count(db, Product, scale, Product.rating_count > 0) > 100

    # Facets: what migration 0010's trigger copies, for the public products only.
    assert db.session.execute(sa.text(FACETS)).all() == db.session.execute(sa.text(FACET_ROW)).all()
    assert _count(db, Product, scale, Product.status != ProductStatus.ACTIVE) > 0

    # Search documents: the same as reindex_products builds; nothing left queued.
    queued = sa.text(
        "SELECT count(*) FROM product_search_queue q JOIN products p ON p.id = q.product_id AND p.sku LIKE 'SCL-%'"
    )
    assert db.session.scalar(queued) == 0
    documents = sa.text(
        "SELECT s.product_id, s.active, s.rank_vector::text, s.document::text FROM product_search s "
        "JOIN products p ON p.id = s.product_id WHERE p.sku LIKE 'SCL-%' ORDER BY 1"
    )
    seeded_documents = db.session.execute(documents).all()
    assert len(seeded_documents) == 1500
    ids = [row[0] for row in seeded_documents]
    db.session.rollback()
    assert search.reindex_products(ids) == 1500
    assert db.session.execute(documents).all() == seeded_documents
    first = db.session.scalars(sa.select(Product).where(scale, Product.status == ProductStatus.ACTIVE).limit(1)).one()
    found = list_products(ProductFilters(query=first.name_en), per_page=5).items
    assert first.id in [p.id for p in found]
    assert db.session.scalar(sa.text("SELECT count(*) FROM search_words WHERE word = 'niacinamide'")) == 1

    # One default variant per product, in step with it; order lines sell that variant.
    mirrored = [getattr(Product, attribute) for attribute in MIRRORED]
    mirrors = [getattr(ProductVariant, column) for column in MIRRORED.values()]
    rows = db.session.execute(
        sa.select(*mirrored, *mirrors).join(ProductVariant, ProductVariant.product_id == Product.id).where(scale)
    ).all()
    assert len(rows) == 1500 and all(row[: len(MIRRORED)] == row[len(MIRRORED) :] for row in rows)
    assert _count(db, ProductVariant, ProductVariant.sku.like("SCL-%"), ProductVariant.is_default) == 1500
    items = db.session.execute(
        sa.select(OrderItem.product_sku, OrderItem.variant_sku, Product.sku, ProductVariant.product_id, Product.id)
        .join(Product, Product.id == OrderItem.product_id)
        .join(ProductVariant, ProductVariant.id == OrderItem.variant_id)
        .where(scale)
    ).all()
    assert items and all(a == b == c and d == e for a, b, c, d, e in items)
    from tests.factories import ProductFactory

    added = ProductFactory()  # the sequence moved past the seeded variants
    variant = db.session.scalar(sa.select(ProductVariant.id).where(ProductVariant.product_id == added.id))
    assert variant > db.session.scalar(sa.select(sa.func.max(OrderItem.variant_id)))


def test_demo_json_loads_into_typed_records_with_decimal_money():
    from decimal import Decimal

    from shop.demo import records

    products = records.products()
    assert len(products) == 83 and all(isinstance(p.price, Decimal) and isinstance(p.weight, Decimal) for p in products)
    assert all(p.compare_at_price is None or p.compare_at_price > p.price for p in products)
    assert all(isinstance(c.value, Decimal) for c in records.coupons())
    assert {c.parent for c in records.categories()} - {None} <= {c.slug for c in records.categories()}


def test_every_customer_joined_before_their_first_order(db, seeded):
    for user in db.session.scalars(sa.select(User).where(User.role == UserRole.CUSTOMER)):
        first = db.session.scalar(sa.select(sa.func.min(Order.created_at)).where(Order.user_id == user.id))
        assert first is None or user.created_at < first, user.email
        assert user.email_verified_at is not None and user.email_verified_at >= user.created_at


SEASON_MONTHS = {"KHMERNEWYEAR": {4}, "YEAREND15": {12, 1}, "SUNSAFE5": {3, 4, 5}, "WATERFESTIVAL": {11}}
SEASON_MONTHS["RAINYSEASON25"] = {5, 6, 7, 8, 9, 10}


@pytest.mark.parametrize("today", ["2026-12-07", "2027-04-10", "2027-07-01", "2027-11-15", "2027-02-01"])
def test_seasonal_coupons_run_in_their_season_on_any_seed_day(today):
    from datetime import date

    from shop.demo import records
    from shop.demo.seed import coupon_dates

    day = date.fromisoformat(today)
    seasonal = {c.code: c for c in records.coupons() if c.season}
    assert set(seasonal) == set(SEASON_MONTHS)
    statuses = set()
    for code, coupon in seasonal.items():
        start, end, status = coupon_dates(coupon, day)
        statuses.add(status)
        assert start is not None and end is not None and start.month in SEASON_MONTHS[code]
        assert end.month in SEASON_MONTHS[code] and (end - start).days < 200
        running = status == CouponStatus.ACTIVE and start <= day <= end
        assert running == (day.month in SEASON_MONTHS[code] and start <= day <= end)
        if status == CouponStatus.EXPIRED:
            assert end < day
    assert CouponStatus.EXPIRED in statuses


def test_no_active_seeded_coupon_runs_outside_its_season(db, seeded):
    from datetime import date

    today = date.today()
    for coupon in db.session.scalars(sa.select(Coupon).where(Coupon.code.in_(SEASON_MONTHS))):
        if coupon.status == CouponStatus.ACTIVE and coupon.start_date <= today <= coupon.end_date:
            assert today.month in SEASON_MONTHS[coupon.code]


def test_each_review_is_written_for_its_products_kind(db, seeded):
    from shop.demo import records

    kinds = {(t.title, t.comment): t.kind for t in records.review_texts()}
    reviews = db.session.execute(sa.select(Review, Product.category).join(Product)).all()
    assert len(reviews) >= 60
    for review, category in reviews:
        assert kinds[(review.title, review.comment)] in (category, records.ANY_KIND)
        assert review.created_at > db.session.get(User, review.user_id).created_at


def test_every_demo_product_image_has_its_thumbnail(db, app):
    from shop.catalog.images import thumbnail_url

    seed_demo(with_images=True)
    client = app.test_client()
    images = db.session.scalars(sa.select(ProductImage)).all()
    assert len(images) >= 2 * 83
    for image in images:
        response = client.get(thumbnail_url(image.image_url))
        assert response.status_code == 200 and response.mimetype == "image/webp", image.image_url


def test_demo_products_come_in_sizes_and_a_tinted_sunscreen_in_shades(db, seeded):
    from shop.catalog import variants
    from shop.catalog.models import Product

    by_sku = {p.sku: p for p in db.session.scalars(sa.select(Product))}
    shades = variants.variants_of(by_sku["SUN-006"].id)
    assert [(v.option_name, v.option_value_en, v.is_default) for v in shades] == [
        ("shade", "Light", True),
        ("shade", "Medium", False),
        ("shade", "Deep", False),
    ]
    sized = [sku for sku, p in by_sku.items() if len(variants.variants_of(p.id)) >= 2]
    assert len(sized) >= 6
    serum = by_sku["SER-001"]
    assert (serum.price, serum.price_max, serum.stock) == (Decimal("11.00"), Decimal("42.00"), 36 + 60 + 12)
