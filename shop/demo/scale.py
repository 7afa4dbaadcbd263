"""`flask seed --scale N`: N generated products with proportional users, orders and reviews,
for benchmarks (a million products in minutes on PostgreSQL).

Every row is generated as a stream and written in chunks, so memory stays flat whatever N: what
the streams share is a few numbers per product in arrays (price, units sold, ratings). On
PostgreSQL the chunks go in with COPY, and for the length of the load (one transaction):

- the products are written once, complete: their ratings and units sold are counted from the
  generated reviews and orders before the products are written (the streams are deterministic:
  the orders are generated once to count, once to write);
- the rows the products' triggers would derive are written alongside instead, and those triggers
  are off: the default variant (as migration 0016 gave every product), the facet row (migration
  0010) and the search document (`search.build_document`, as `reindex_products` builds it), so
  nothing is left to recount or reindex;
- the loaded tables' secondary indexes are dropped and built again after the load (one sort
  instead of a million insertions each), and the tables are analyzed; after the commit they are
  vacuumed, so listings can read the visibility map (index-only scans) at once.

The transaction locks the loaded tables: run it on a database the server is not serving from.
Other databases (SQLite) get the same rows through multi-row INSERTs, their triggers enabled.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa

from shop.accounts.models import User, UserRole
from shop.accounts.passwords import hash_password
from shop.catalog import search
from shop.catalog.models import Category, Product, ProductStatus, ProductVariant, SkinType, product_categories
from shop.demo import records
from shop.demo.records import ANY_KIND, ReviewText
from shop.demo.seed import DEMO_PASSWORDS, STATUS_STATES, TAX_RATE
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.money import CENT, line_total, percent_of, to_money
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.reviews.models import Review, ReviewStatus

T = TypeVar("T")
Row = tuple[Any, ...]
SCALE_SKU_PREFIX = "SCL-"
CHUNK = 5000  # products generated (and written to each table) at a time
ADJECTIVES = [
    ("Hydrating", "ផ្តល់សំណើម"),
    ("Brightening", "ធ្វើឱ្យស្បែកភ្លឺ"),
    ("Soothing", "បន្ធូរស្បែក"),
    ("Clarifying", "សម្អាតស្បែក"),
    ("Firming", "ធ្វើឱ្យស្បែកណែន"),
    ("Gentle", "ស្រាលៗ"),
    ("Daily", "ប្រចាំថ្ងៃ"),
    ("Intensive", "ខ្លាំង"),
    ("Calming", "ធ្វើឱ្យស្ងប់"),
    ("Renewing", "ស្តារឡើងវិញ"),
]
SERIES = ["Rice", "Jasmine", "Lotus", "Moringa", "Tamarind", "Turmeric", "Green Tea", "Mekong", "Kampot", "Angkor"]
ORDER_STATUS_WEIGHTS = [
    (OrderStatus.DELIVERED, 55),
    (OrderStatus.SHIPPED, 10),
    (OrderStatus.PROCESSING, 8),
    (OrderStatus.CONFIRMED, 8),
    (OrderStatus.PENDING, 9),
    (OrderStatus.CANCELLED, 7),
    (OrderStatus.REFUNDED, 3),
]
NOT_SOLD = {OrderStatus.CANCELLED, OrderStatus.REFUNDED}  # as refresh_product_stats counts
REVIEW_STATUSES = [ReviewStatus.APPROVED] * 8 + [ReviewStatus.PENDING, ReviewStatus.REJECTED]
# The tables the load writes (in this order), and those whose user triggers it stands in for.
LOADED_TABLES = (
    "users",
    "products",
    "product_categories",
    "product_variants",
    "product_facets",
    "product_search",
    "orders",
    "order_items",
    "reviews",
)
TRIGGERS_OFF = ("products", "product_categories")

PRODUCT_COLUMNS = (
    "id", "sku", "slug", "brand", "name_en", "name_kh", "short_description", "description_en",
    "description_kh", "category", "price", "compare_at_price", "cost_price", "stock", "track_inventory",
    "allow_backorders", "skin_type", "skin_concerns", "ingredients", "usage_instructions", "weight", "size",
    "image_url", "meta_title", "meta_description", "status", "is_featured", "created_at", "updated_at",
    "published_at", "rating_avg", "rating_count", "units_sold",
)  # fmt: skip
VARIANT_COLUMNS = (
    "id", "product_id", "sku", "price", "compare_at_price", "cost_price", "stock", "track_stock",
    "allow_backorder", "weight", "is_default", "position", "created_at", "updated_at",
)  # fmt: skip
FACET_COLUMNS = (
    "id", "created_at", "price", "compare_at_price", "stock", "track_inventory", "allow_backorders",
    "skin_type", "skin_concerns", "category_ids", "rating_avg", "rating_count", "units_sold",
)  # fmt: skip
USER_COLUMNS = (
    "id", "email", "password", "first_name", "last_name", "role", "skin_type", "language", "email_verified",
    "email_verified_at", "created_at", "updated_at",
)  # fmt: skip
ORDER_COLUMNS = (
    "id", "order_number", "user_id", "customer_name", "customer_email", "subtotal", "tax_amount",
    "shipping_amount", "discount_amount", "total", "status", "payment_status", "fulfillment_status",
    "payment_method", "created_at", "updated_at",
)  # fmt: skip
ITEM_COLUMNS = (
    "id", "order_id", "product_id", "product_name", "product_sku", "variant_id", "variant_sku", "quantity",
    "unit_price", "total_price", "created_at",
)  # fmt: skip
REVIEW_COLUMNS = (
    "id", "product_id", "user_id", "rating", "title", "comment", "customer_name", "status",
    "is_verified_purchase", "helpful_count", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class _Plan:
    """What every stream agrees on: the ids each one starts from, and per product (by its index)
    the price and the counters the reviews and orders add up to."""

    n_products: int
    seed: int
    now: datetime
    first_product: int
    first_variant: int
    first_user: int
    n_users: int
    first_order: int
    first_item: int
    first_review: int
    leaves: list[records.CategoryRecord]
    prices: array = field(default_factory=lambda: array("l"))  # cents
    units_sold: array = field(default_factory=lambda: array("l"))
    rating_sum: array = field(default_factory=lambda: array("l"))
    rating_count: array = field(default_factory=lambda: array("l"))

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")

    def sku(self, index: int) -> str:
        return f"{SCALE_SKU_PREFIX}{index + 1:07d}"

    def price(self, index: int) -> Decimal:
        return Decimal(self.prices[index]).scaleb(-2)


def seed_scale(n_products: int, *, seed: int = 42, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Add `n_products` generated products, n/20 users, n/10 orders and n/5 reviews, each
    product with its default variant, its facet row and its search document.

    Skipped (returns zeros) when scale products already exist: run `make db-reset` first to
    change the size. `progress` is told how long each stage took.
    """
    clock = _Stages(progress)
    existing = db.session.scalar(
        sa.select(sa.func.count()).select_from(Product).where(Product.sku.like(f"{SCALE_SKU_PREFIX}%"))
    )
    if existing:
        return {"products": 0, "users": 0, "orders": 0, "order_items": 0, "reviews": 0}
    n_users = max(10, n_products // 20)
    plan = _Plan(
        n_products=n_products,
        seed=seed,
        now=utcnow(),
        first_product=_next_id(Product),
        first_variant=_next_id(ProductVariant),
        first_user=_next_id(User),
        n_users=n_users,
        first_order=_next_id(Order),
        first_item=_next_id(OrderItem),
        first_review=_next_id(Review),
        leaves=[row for row in records.categories() if row.parent],
    )
    price_rng = plan.rng("prices")
    plan.prices = array("l", (price_rng.randrange(350, 6500) for _ in range(n_products)))
    _count_sales_and_ratings(plan)
    clock.lap("counters counted")

    writer = _Writer()
    rebuild = writer.begin()
    counts = {"users": writer.rows(User.__table__, USER_COLUMNS, _users(plan))}
    counts["products"] = _write_products(writer, plan)
    counts["orders"] = counts["order_items"] = 0
    for orders, items in _chunks_of_orders(plan):
        counts["orders"] += writer.rows(Order.__table__, ORDER_COLUMNS, orders)
        counts["order_items"] += writer.rows(OrderItem.__table__, ITEM_COLUMNS, items)
    counts["reviews"] = writer.rows(Review.__table__, REVIEW_COLUMNS, (row for row, _ in _reviews(plan)))
    clock.lap("rows written")
    writer.finish(rebuild, clock)
    db.session.commit()
    if writer.postgresql:
        writer.vacuum()
        clock.lap("vacuumed")
    return counts


class _Stages:
    def __init__(self, report: Callable[[str], None] | None) -> None:
        self.report = report
        self.started = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        if self.report is not None:
            self.report(f"  {stage} in {now - self.started:.1f} s")
        self.started = now


# ---------------------------------------------------------------- counters first


def _count_sales_and_ratings(plan: _Plan) -> None:
    """Units sold and approved ratings per product, from the same streams that are written later."""
    n = plan.n_products
    plan.units_sold = array("l", bytes(array("l").itemsize * n))
    plan.rating_sum = array("l", bytes(array("l").itemsize * n))
    plan.rating_count = array("l", bytes(array("l").itemsize * n))
    for order, items in _orders(plan):
        if order[10] not in NOT_SOLD:  # status
            for item in items:
                plan.units_sold[item[2] - plan.first_product] += item[7]  # product_id, quantity
    for row, index in _reviews(plan):
        if row[7] == ReviewStatus.APPROVED:
            plan.rating_sum[index] += row[3]
            plan.rating_count[index] += 1


def _rating(plan: _Plan, index: int) -> tuple[Decimal, int]:
    """refresh_product_stats' round(avg(rating), 2): half away from zero, as PostgreSQL rounds."""
    count = plan.rating_count[index]
    if not count:
        return Decimal("0.00"), 0
    return (Decimal(plan.rating_sum[index]) / count).quantize(CENT, rounding=ROUND_HALF_UP), count


# ---------------------------------------------------------------- products


@dataclass
class _ProductChunk:
    products: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)
    variants: list[Row] = field(default_factory=list)
    facets: list[Row] = field(default_factory=list)
    documents: list[Row] = field(default_factory=list)
    words: set[str] = field(default_factory=set)


def _write_products(writer: _Writer, plan: _Plan) -> int:
    written = 0
    words: set[str] = set()
    for chunk in _prefetch(_product_chunks(plan, _sources())):
        written += writer.rows(Product.__table__, PRODUCT_COLUMNS, chunk.products)
        writer.rows(product_categories, ("product_id", "category_id"), chunk.links)
        writer.rows(ProductVariant.__table__, VARIANT_COLUMNS, chunk.variants)
        if writer.postgresql:
            writer.rows("product_facets", FACET_COLUMNS, chunk.facets)
            writer.rows("product_search", ("product_id", "active", "rank_vector", "document"), chunk.documents)
        words |= chunk.words
    if writer.postgresql and words:
        db.session.execute(
            sa.text(
                "INSERT INTO search_words (word) SELECT unnest(CAST(:words AS text[])) ORDER BY 1 "
                "ON CONFLICT DO NOTHING"
            ),
            {"words": sorted(words)},
        )
    return written


@dataclass(frozen=True)
class _Sources:
    """What the products are made from, read before their stream starts (it runs in a thread)."""

    category_ids: dict[str, int]
    templates: dict[str, list[records.ProductRecord]]
    images: dict[str, list[str]]
    documents: bool  # PostgreSQL: facet rows and search documents too


def _sources() -> _Sources:
    templates: dict[str, list[records.ProductRecord]] = {}
    for record in records.products():
        templates.setdefault(record.category, []).append(record)
    images = {
        slug: [
            url
            for url in db.session.scalars(
                sa.select(Product.image_url).where(Product.category == slug, Product.image_url.is_not(None))
            )
            if url
        ]
        for slug in templates
    }
    category_ids = dict(db.session.execute(sa.select(Category.slug, Category.id)).tuples().all())
    return _Sources(category_ids, templates, images, documents=db.engine.dialect.name == "postgresql")


def _product_chunks(plan: _Plan, sources: _Sources) -> Iterator[_ProductChunk]:
    rng = plan.rng("products")
    category_ids, by_category, images = sources.category_ids, sources.templates, sources.images
    skin_types = list(SkinType)
    brands = records.brands()
    leaves = plan.leaves
    build_documents = sources.documents
    chunk = _ProductChunk()
    for i in range(plan.n_products):
        pid = plan.first_product + i
        leaf = leaves[i % len(leaves)]
        template = rng.choice(by_category[leaf.slug])
        adjective_en, adjective_kh = rng.choice(ADJECTIVES)
        series = SERIES[(i // len(leaves)) % len(SERIES)]
        brand = rng.choice(brands)
        noun_en = leaf.name_en.rstrip("s") if leaf.name_en.endswith("s") else leaf.name_en
        price = plan.price(i)
        compare_at = to_money(price * Decimal("1.25")) if rng.random() < 0.2 else None
        cost = to_money(price * Decimal("0.45"))
        concerns = rng.sample(template.skin_concerns, k=min(len(template.skin_concerns), rng.randint(1, 3)))
        ingredients = list(template.ingredients)
        rng.shuffle(ingredients)
        created = plan.now - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1439))
        stock = rng.choice([0, 3, 12, 25, 40, 80, 150])
        skin_type = rng.choice(skin_types)
        image = rng.choice(images[leaf.slug]) if images[leaf.slug] else None
        status = (
            ProductStatus.ACTIVE if rng.random() < 0.95 else rng.choice([ProductStatus.DRAFT, ProductStatus.ARCHIVED])
        )
        featured = rng.random() < 0.01
        rating_avg, rating_count = _rating(plan, i)
        units_sold = plan.units_sold[i]
        name_en = f"{brand} {series} {adjective_en} {noun_en} {i + 1}"
        name_kh = f"{leaf.name_kh} {adjective_kh} {series} {brand} {i + 1}"
        sku = plan.sku(i)
        # The descriptions are the template's: the product's own words are in its names (a
        # description shared by many products is parsed once for all their search documents).
        chunk.products.append(
            (
                pid, sku, name_en.lower().replace(" ", "-").replace("'", ""), brand, name_en, name_kh,
                template.short_description, template.description_en, template.description_kh, leaf.slug, price,
                compare_at, cost, stock, True, False, skin_type, concerns, ingredients,
                template.usage_instructions, template.weight, template.size, image, name_en,
                template.short_description, status, featured, created, created, created, rating_avg,
                rating_count, units_sold,
            )
        )  # fmt: skip
        chunk.links.append((pid, category_ids[leaf.slug]))
        chunk.variants.append(
            (
                plan.first_variant + i, pid, sku, price, compare_at, cost, stock, True, False, template.weight,
                True, 0, created, created,
            )
        )  # fmt: skip
        if build_documents:
            if status == ProductStatus.ACTIVE:
                chunk.facets.append(
                    (
                        pid, created, price, compare_at, stock, True, False, skin_type, concerns,
                        [category_ids[leaf.slug]], rating_avg, rating_count, units_sold,
                    )
                )  # fmt: skip
            document = search.build_document(
                {
                    "name_en": name_en,
                    "name_kh": name_kh,
                    "brand": brand,
                    "category": leaf.slug,
                    "skin_concerns": concerns,
                    "ingredients": ingredients,
                    "short_description": template.short_description,
                    "description_en": template.description_en,
                    "description_kh": template.description_kh,
                }
            )
            chunk.documents.append(
                (pid, status == ProductStatus.ACTIVE, document.rank_vector, document.tsvector_literal())
            )
            chunk.words |= document.words
        if len(chunk.products) == CHUNK:
            yield chunk
            chunk = _ProductChunk()
    if chunk.products:
        yield chunk


# ---------------------------------------------------------------- users, orders, reviews


def _users(plan: _Plan) -> Iterator[Row]:
    rng = plan.rng("users")
    password = hash_password(DEMO_PASSWORDS["customer"])
    skin_types = list(SkinType)[:-1]
    for u in range(plan.n_users):
        joined = plan.now - timedelta(days=rng.randint(0, 720))
        yield (
            plan.first_user + u, f"shopper{u + 1}@scale.example", password, "Shopper", str(u + 1),
            UserRole.CUSTOMER, rng.choice(skin_types), rng.choice(["en", "kh"]), True, joined, joined, joined,
        )  # fmt: skip


def _orders(plan: _Plan) -> Iterator[tuple[Row, list[Row]]]:
    """Each order with its items (deterministic: counted first, written later)."""
    rng = plan.rng("orders")
    statuses, weights = zip(*ORDER_STATUS_WEIGHTS, strict=True)
    item_id = plan.first_item
    n_orders = max(10, plan.n_products // 10)
    for o in range(n_orders):
        oid = plan.first_order + o
        user_index = rng.randrange(plan.n_users)
        status = rng.choices(statuses, weights)[0]
        created = plan.now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1439))
        subtotal = Decimal("0.00")
        items = []
        for index in rng.sample(range(plan.n_products), k=min(plan.n_products, rng.randint(1, 4))):
            quantity = rng.randint(1, 3)
            price = plan.price(index)
            total = line_total(price, quantity)
            subtotal += total
            sku = plan.sku(index)
            pid = plan.first_product + index
            items.append(
                (
                    item_id, oid, pid, f"Product {pid}", sku, plan.first_variant + index, sku, quantity, price,
                    total, created,
                )
            )  # fmt: skip
            item_id += 1
        tax = percent_of(subtotal, TAX_RATE)
        shipping = Decimal("1.50")
        payment, fulfillment = STATUS_STATES[status]
        order = (
            oid, f"SK-SCALE-{o + 1:08d}", plan.first_user + user_index, f"Shopper {user_index + 1}",
            f"shopper{user_index + 1}@scale.example", subtotal, tax, shipping, Decimal("0.00"),
            subtotal + tax + shipping, status, payment, fulfillment, "cod", created, created,
        )  # fmt: skip
        yield order, items


def _chunks_of_orders(plan: _Plan) -> Iterator[tuple[list[Row], list[Row]]]:
    for chunk in _batches(_orders(plan), CHUNK):
        yield [order for order, _ in chunk], [item for _, items in chunk for item in items]


def _reviews(plan: _Plan) -> Iterator[tuple[Row, int]]:
    """Each review with its product's index. (k * 7919 mod n, k mod users) never repeats a
    (product, user) pair for k < n: 7919 is prime."""
    rng = plan.rng("reviews")
    texts: dict[str, list[ReviewText]] = {}
    for text in records.review_texts():  # each product gets reviews written for its kind
        texts.setdefault(text.kind, []).append(text)
    for k in range(plan.n_products // 5):
        index = (k * 7919) % plan.n_products
        kind = plan.leaves[index % len(plan.leaves)].slug
        pool = texts.get(kind) or texts[ANY_KIND]
        text = pool[k % len(pool)]
        created = plan.now - timedelta(days=rng.randint(0, 365))
        row = (
            plan.first_review + k, plan.first_product + index, plan.first_user + k % plan.n_users, text.rating,
            text.title, text.comment, f"Shopper {k % plan.n_users + 1}", REVIEW_STATUSES[k % len(REVIEW_STATUSES)],
            False, rng.randint(0, 30), created, created,
        )  # fmt: skip
        yield row, index


# ---------------------------------------------------------------- writing


class _Writer:
    """Rows into tables: COPY on PostgreSQL, multi-row INSERTs elsewhere; the session's transaction."""

    def __init__(self) -> None:
        self.postgresql = db.engine.dialect.name == "postgresql"

    def begin(self) -> list[str]:
        """PostgreSQL: drop the loaded tables' secondary indexes (returned, to build again) and
        turn off the triggers the load stands in for."""
        if not self.postgresql:
            return []
        db.session.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        definitions = []
        for table in LOADED_TABLES:
            indexes = db.session.execute(
                sa.text(
                    "SELECT CAST(i.indexrelid AS regclass)::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = CAST(:table AS regclass) "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
                ),
                {"table": table},
            ).all()
            for name, definition in indexes:
                db.session.execute(sa.text(f"DROP INDEX {name}"))
                definitions.append(definition)
        for table in TRIGGERS_OFF:
            db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        return definitions

    def rows(self, table: sa.FromClause | str, columns: Sequence[str], rows: Iterable[Row]) -> int:
        if not self.postgresql:
            assert isinstance(table, sa.Table)
            count = 0
            for chunk in _batches(rows, 1000):
                db.session.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in chunk])
                count += len(chunk)
            return count
        from psycopg.types.json import Jsonb

        name, json_at = table, []
        if isinstance(table, sa.Table):
            name = table.name
            json_at = [i for i, column in enumerate(columns) if isinstance(table.c[column].type, sa.JSON)]
        quote = db.engine.dialect.identifier_preparer.quote
        connection = db.session.connection().connection.driver_connection
        assert connection is not None
        count = 0
        statement = f"COPY {name} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                if json_at:
                    row = tuple(Jsonb(v) if i in json_at and v is not None else v for i, v in enumerate(row))
                copy.write_row(row)
                count += 1
        return count

    def finish(self, definitions: list[str], clock: _Stages) -> None:
        if not self.postgresql:
            _reset_sequences()
            return
        for definition in definitions:
            db.session.execute(sa.text(definition))
        clock.lap(f"{len(definitions)} indexes built")
        for table in TRIGGERS_OFF:
            db.session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        _reset_sequences()
        for table in LOADED_TABLES:
            db.session.execute(sa.text(f"ANALYZE {table}"))
        clock.lap("analyzed")

    def vacuum(self) -> None:
        """After the commit: mark the loaded pages all-visible (VACUUM cannot run in a transaction)."""
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in LOADED_TABLES:
                connection.execute(sa.text(f"VACUUM {table}"))


def _batches(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prefetch(chunks: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run `chunks` in a thread, `depth` chunks ahead: the next chunk is generated in Python while
    PostgreSQL takes the last one (waiting on the socket lets the generating thread run)."""
    waiting: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                waiting.put((True, chunk))
            waiting.put((False, None))
        except BaseException as error:  # handed to the consumer
            waiting.put((False, error))

    thread = threading.Thread(target=produce, name="seed-scale", daemon=True)
    thread.start()
    try:
        while True:
            more, item = waiting.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked producer finish its put
            try:
                waiting.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def _next_id(model: type[Product | ProductVariant | User | Order | OrderItem | Review]) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _reset_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the new rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("products", "product_variants", "users", "orders", "order_items", "reviews"):
        db.session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )
