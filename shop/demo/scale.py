"""`flask seed --scale N`: N generated products with proportional users, orders and reviews,
for benchmarks. Bulk inserts with precomputed ids, so 100k products take seconds, not minutes."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from itertools import islice
from typing import Any

import sqlalchemy as sa

from shop.accounts.models import User, UserRole
from shop.accounts.passwords import hash_password
from shop.catalog import variants
from shop.catalog.models import Category, Product, ProductStatus, SkinType, product_categories
from shop.demo import records
from shop.demo.records import ANY_KIND, ProductRecord, ReviewText
from shop.demo.seed import DEMO_PASSWORDS, STATUS_STATES, TAX_RATE
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.money import line_total, percent_of, to_money
from shop.orders.models import Order, OrderItem, OrderStatus
from shop.reviews.models import Review, ReviewStatus

Row = dict[str, Any]
SCALE_SKU_PREFIX = "SCL-"
BATCH = 5000
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


def _batches(rows: Iterable[Row], size: int = BATCH) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _insert(table: sa.FromClause, rows: Iterable[Row]) -> int:
    assert isinstance(table, sa.Table)
    count = 0
    for chunk in _batches(rows):
        db.session.execute(sa.insert(table), chunk)
        count += len(chunk)
    return count


def _next_id(model: type[Product | User | Order | OrderItem | Review]) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def seed_scale(n_products: int, *, seed: int = 42) -> dict[str, int]:
    """Add `n_products` generated products, n/20 users, n/10 orders and n/5 reviews.

    Skipped (returns zeros) when scale products already exist: run `make db-reset` first to
    change the size.
    """
    existing = db.session.scalar(
        sa.select(sa.func.count()).select_from(Product).where(Product.sku.like(f"{SCALE_SKU_PREFIX}%"))
    )
    if existing:
        return {"products": 0, "users": 0, "orders": 0, "order_items": 0, "reviews": 0}
    rng = random.Random(seed)
    now = utcnow()
    categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    leaves = [row for row in records.categories() if row.parent]
    by_category: dict[str, list[ProductRecord]] = {}
    for row in records.products():
        by_category.setdefault(row.category, []).append(row)
    images = {
        slug: list(
            db.session.scalars(
                sa.select(Product.image_url).where(Product.category == slug, Product.image_url.is_not(None))
            )
        )
        for slug in by_category
    }
    skin_types = [s.value for s in SkinType]

    first_product = _next_id(Product)
    products: list[tuple[int, Decimal, str]] = []
    product_rows: list[Row] = []
    link_rows: list[Row] = []
    for i in range(n_products):
        pid = first_product + i
        leaf = leaves[i % len(leaves)]
        template = rng.choice(by_category[leaf.slug])
        adjective_en, adjective_kh = rng.choice(ADJECTIVES)
        series = SERIES[(i // len(leaves)) % len(SERIES)]
        brand = rng.choice(records.brands())
        noun_en = leaf.name_en.rstrip("s") if leaf.name_en.endswith("s") else leaf.name_en
        price = Decimal(rng.randrange(350, 6500)) / 100
        on_sale = rng.random() < 0.2
        concerns = rng.sample(template.skin_concerns, k=min(len(template.skin_concerns), rng.randint(1, 3)))
        ingredients = list(template.ingredients)
        rng.shuffle(ingredients)
        created = now - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1439))
        name_en = f"{brand} {series} {adjective_en} {noun_en} {i + 1}"
        product_rows.append(
            {
                "id": pid,
                "sku": f"{SCALE_SKU_PREFIX}{i + 1:07d}",
                "slug": f"{brand} {series} {adjective_en} {noun_en} {i + 1}".lower().replace(" ", "-").replace("'", ""),
                "brand": brand,
                "name_en": name_en,
                "name_kh": f"{leaf.name_kh} {adjective_kh} {series} {brand} {i + 1}",
                "short_description": template.short_description,
                "description_en": (
                    f"{adjective_en} {noun_en.lower()} from {brand}'s {series} line. {template.description_en}"
                ),
                "description_kh": f"{leaf.name_kh} {adjective_kh} ពី {brand}។ {template.description_kh}",
                "category": leaf.slug,
                "price": to_money(price),
                "compare_at_price": to_money(price * Decimal("1.25")) if on_sale else None,
                "cost_price": to_money(price * Decimal("0.45")),
                "stock": rng.choice([0, 3, 12, 25, 40, 80, 150]),
                "track_inventory": True,
                "allow_backorders": False,
                "skin_type": rng.choice(skin_types),
                "skin_concerns": concerns,
                "ingredients": ingredients,
                "usage_instructions": template.usage_instructions,
                "weight": template.weight,
                "size": template.size,
                "image_url": rng.choice(images[leaf.slug]) if images[leaf.slug] else None,
                "meta_title": name_en,
                "meta_description": template.short_description,
                "status": ProductStatus.ACTIVE
                if rng.random() < 0.95
                else rng.choice([ProductStatus.DRAFT, ProductStatus.ARCHIVED]),
                "is_featured": rng.random() < 0.01,
                "created_at": created,
                "updated_at": created,
                "published_at": created,
            }
        )
        link_rows.append({"product_id": pid, "category_id": categories[leaf.slug].id})
        products.append((pid, price, leaf.slug))
    counts = {"products": _insert(Product.__table__, product_rows)}
    variants.add_missing_defaults()  # each one default variant, as migration 0015 gave every product
    del product_rows
    _insert(product_categories, link_rows)

    n_users = max(10, n_products // 20)
    first_user = _next_id(User)
    password = hash_password(DEMO_PASSWORDS["customer"])
    user_rows = [
        {
            "id": first_user + u,
            "email": f"shopper{u + 1}@scale.example",
            "password_hash": password,
            "first_name": "Shopper",
            "last_name": str(u + 1),
            "role": UserRole.CUSTOMER,
            "skin_type": rng.choice(skin_types[:-1]),
            "language": rng.choice(["en", "kh"]),
            "email_verified": True,
            "created_at": now - timedelta(days=rng.randint(0, 720)),
        }
        for u in range(n_users)
    ]
    counts["users"] = _insert(User.__table__, [_column_names(User, r) for r in user_rows])

    n_orders = max(10, n_products // 10)
    first_order = _next_id(Order)
    first_item = _next_id(OrderItem)
    statuses, weights = zip(*ORDER_STATUS_WEIGHTS, strict=True)
    order_rows: list[Row] = []
    item_rows: list[Row] = []
    item_id = first_item
    for o in range(n_orders):
        oid = first_order + o
        user_index = rng.randrange(n_users)
        status = rng.choices(statuses, weights)[0]
        created = now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1439))
        subtotal = Decimal("0.00")
        for pid, price, _kind in rng.sample(products, k=min(len(products), rng.randint(1, 4))):
            quantity = rng.randint(1, 3)
            total = line_total(price, quantity)
            subtotal += total
            item_rows.append(
                {
                    "id": item_id,
                    "order_id": oid,
                    "product_id": pid,
                    "product_name": f"Product {pid}",
                    "product_sku": None,
                    "quantity": quantity,
                    "unit_price": to_money(price),
                    "total_price": total,
                    "created_at": created,
                }
            )
            item_id += 1
        tax = percent_of(subtotal, TAX_RATE)
        shipping = Decimal("1.50")
        payment, fulfillment = STATUS_STATES[status]
        order_rows.append(
            {
                "id": oid,
                "order_number": f"SK-SCALE-{o + 1:08d}",
                "user_id": first_user + user_index,
                "customer_name": f"Shopper {user_index + 1}",
                "customer_email": f"shopper{user_index + 1}@scale.example",
                "subtotal": subtotal,
                "tax_amount": tax,
                "shipping_amount": shipping,
                "discount_amount": Decimal("0.00"),
                "total": subtotal + tax + shipping,
                "status": status,
                "payment_status": payment,
                "fulfillment_status": fulfillment,
                "payment_method": "cod",
                "created_at": created,
                "updated_at": created,
            }
        )
    counts["orders"] = _insert(Order.__table__, order_rows)
    counts["order_items"] = _insert(OrderItem.__table__, item_rows)
    del order_rows, item_rows

    n_reviews = n_products // 5
    first_review = _next_id(Review)
    texts: dict[str, list[ReviewText]] = {}
    for text in records.review_texts():  # each product gets reviews written for its kind
        texts.setdefault(text.kind, []).append(text)
    review_statuses = [ReviewStatus.APPROVED] * 8 + [ReviewStatus.PENDING, ReviewStatus.REJECTED]
    # (k * 7919 mod n, k mod users) never repeats a (product, user) pair for k < n: 7919 is prime.
    review_rows: list[Row] = []
    for k in range(n_reviews):
        pid, _price, kind = products[(k * 7919) % len(products)]
        pool = texts.get(kind) or texts[ANY_KIND]
        text = pool[k % len(pool)]
        created = now - timedelta(days=rng.randint(0, 365))
        review_rows.append(
            {
                "id": first_review + k,
                "product_id": pid,
                "user_id": first_user + k % n_users,
                "rating": text.rating,
                "title": text.title,
                "comment": text.comment,
                "customer_name": f"Shopper {k % n_users + 1}",
                "status": review_statuses[k % len(review_statuses)],
                "is_verified_purchase": False,
                "helpful_count": rng.randint(0, 30),
                "created_at": created,
                "updated_at": created,
            }
        )
    counts["reviews"] = _insert(Review.__table__, review_rows)
    _reset_sequences()
    db.session.commit()
    return counts


def _column_names(model: type[User], row: Row) -> Row:
    """Attribute names -> column names (User.password_hash is the column `password`)."""
    mapper = sa.inspect(model)
    return {mapper.attrs[key].columns[0].name if key in mapper.attrs else key: value for key, value in row.items()}


def _reset_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the new rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("products", "users", "orders", "order_items", "reviews"):
        db.session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )
