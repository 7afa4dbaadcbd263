"""`flask seed`: load the demo shop. Idempotent: rows are matched by their natural keys
(category slug, product SKU, user email, coupon code, demo order number), so running it
again adds nothing twice."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from shop.accounts.models import User, UserAddress, UserRole
from shop.accounts.passwords import hash_password
from shop.accounts.phones import InvalidPhone, normalize_phone
from shop.accounts.provinces import find_province
from shop.catalog.images import THUMB, thumbnail_url
from shop.catalog.models import Category, Product, ProductImage, ProductStatus
from shop.content import defaults as content_defaults
from shop.coupons.models import Coupon, CouponStatus, CouponType, CouponUsage
from shop.demo import images, records
from shop.demo.records import ANY_KIND, CouponRecord, ProductRecord, ReviewText, Season
from shop.extensions import db
from shop.infra.columns import utcnow
from shop.money import line_total, percent_of, to_money
from shop.orders.models import (
    FulfillmentStatus,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusEvent,
    PaymentStatus,
)
from shop.reviews.models import Review, ReviewStatus

DEMO_PASSWORDS = {
    "admin": "ShopAdmin!2026",
    "moderator": "ShopModerator!2026",
    "customer": "ShopCustomer!2026",
}
DEMO_ORDER_PREFIX = "SK-DEMO-"
TAX_RATE = Decimal("10")  # Cambodian VAT, percent
SHIPPING_PHNOM_PENH = Decimal("1.50")
SHIPPING_PROVINCE = Decimal("3.00")

# What each order status implies for payment and fulfilment in the demo history.
STATUS_STATES = {
    OrderStatus.PENDING: (PaymentStatus.PENDING, FulfillmentStatus.UNFULFILLED),
    OrderStatus.CONFIRMED: (PaymentStatus.PENDING, FulfillmentStatus.UNFULFILLED),
    OrderStatus.PROCESSING: (PaymentStatus.PENDING, FulfillmentStatus.FULFILLED),
    OrderStatus.SHIPPED: (PaymentStatus.PENDING, FulfillmentStatus.SHIPPED),
    OrderStatus.DELIVERED: (PaymentStatus.PAID, FulfillmentStatus.DELIVERED),
    OrderStatus.CANCELLED: (PaymentStatus.PENDING, FulfillmentStatus.UNFULFILLED),
    OrderStatus.REFUNDED: (PaymentStatus.REFUNDED, FulfillmentStatus.DELIVERED),
}
STATUS_PATHS = {
    OrderStatus.PENDING: [],
    OrderStatus.CONFIRMED: [OrderStatus.CONFIRMED],
    OrderStatus.PROCESSING: [OrderStatus.CONFIRMED, OrderStatus.PROCESSING],
    OrderStatus.SHIPPED: [OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED],
    OrderStatus.DELIVERED: [
        OrderStatus.CONFIRMED,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ],
    OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
    OrderStatus.REFUNDED: [
        OrderStatus.CONFIRMED,
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.REFUNDED,
    ],
}


SHOP_OPENED_DAYS_AGO = 400  # staff accounts date from the shop's opening


def seed_demo(*, with_images: bool = True, now: datetime | None = None) -> dict[str, int]:
    """Load the demo shop as it would look on `now` (default: this moment); returns how many
    rows of each kind it added. Dates are relative to `now` so the shop looks lived-in on any day."""
    now = now or utcnow()
    added = {"categories": 0, "products": 0, "users": 0, "coupons": 0, "orders": 0, "reviews": 0, "pages": 0}
    added["pages"] = content_defaults.ensure_default_pages()
    categories = _seed_categories(added, with_images)
    products = _seed_products(categories, added, with_images, now)
    _seed_variants(products)
    users = _seed_users(added, now)
    coupons = _seed_coupons(products, added, now.date())
    db.session.flush()
    _seed_orders(users, products, coupons, added, now)
    db.session.flush()
    _seed_reviews(users, products, added, now)
    db.session.commit()
    return added


def _upload_dir(*parts: str) -> Path:
    path = Path(current_app.config["UPLOAD_PATH"], *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _phone(text: str | None) -> str | None:
    """A demo phone as the shop stores a typed one (E.164); the data file spells them `+855 12 ...`."""
    if not text:
        return None
    try:
        return normalize_phone(text)
    except InvalidPhone:
        return text


def _province_code(*names: str | None) -> str | None:
    """The province a demo address's city or state names (a code like KH-12), if any."""
    for name in names:
        province = find_province(name)
        if province is not None:
            return province.code
    return None


def _write_image(folder: str, name: str, make: Callable[[], bytes]) -> str:
    target = _upload_dir(folder) / name
    if not target.exists():
        target.write_bytes(make())
    return f"/uploads/{folder}/{name}"


def _write_product_image(row: ProductRecord, variant: int) -> str:
    """A product photo in both sizes the shop serves (the admin shows the small one), as an
    upload through `shop.catalog.images` would have stored them."""
    url = f"/uploads/products/{row.slug}-{variant + 1}.webp"
    target = _upload_dir("products") / url.rsplit("/", 1)[1]
    thumb = target.with_name(thumbnail_url(url).rsplit("/", 1)[1])
    if not target.exists() or not thumb.exists():
        large = images.product_image(row.name_en, row.brand, row.color, row.shape, variant=variant)
        if not target.exists():
            target.write_bytes(large)
        if not thumb.exists():
            thumb.write_bytes(images.thumbnail(large, THUMB))
    return url


def _image_count(row: ProductRecord) -> int:
    return 3 if row.is_featured else 2


def _seed_categories(added: dict[str, int], with_images: bool) -> dict[str, Category]:
    existing = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    palette = [p.color for p in records.products()]
    for index, row in enumerate(records.categories()):
        category = existing.get(row.slug)
        if category is None:
            category = Category(slug=row.slug)
            db.session.add(category)
            existing[row.slug] = category
            added["categories"] += 1
        category.name = row.name_en
        category.name_kh = row.name_kh
        category.description = row.description_en
        category.description_kh = row.description_kh
        category.sort_order = row.sort_order
        category.is_active = True
        if with_images:
            color = palette[index % len(palette)]
            # "-art": the tiles of earlier seeds had the English name drawn in; these draw no
            # words (the page shows the name as text, in the shopper's language).
            category.image_url = _write_image(
                "categories", f"{row.slug}-art.webp", partial(images.category_image, row.slug, color)
            )
    for row in records.categories():
        existing[row.slug].parent = existing.get(row.parent) if row.parent else None
    return existing


def _seed_products(
    categories: dict[str, Category], added: dict[str, int], with_images: bool, now: datetime
) -> dict[str, Product]:
    existing = {p.sku: p for p in db.session.scalars(sa.select(Product))}
    rows = records.products()
    for index, row in enumerate(rows):
        product = existing.get(row.sku)
        if product is not None:
            if with_images and product.images:  # files of an earlier seed (thumbnails came later)
                for variant in range(_image_count(row)):
                    _write_product_image(row, variant)
            continue
        # Spread "created" over the last months so "new arrivals" means something.
        created = now - timedelta(days=3 * (len(rows) - index))
        product = Product(
            sku=row.sku,
            slug=row.slug,
            brand=row.brand,
            name_en=row.name_en,
            name_kh=row.name_kh,
            short_description=row.short_description,
            description_en=row.description_en,
            description_kh=row.description_kh,
            category=row.category,
            price=row.price,
            compare_at_price=row.compare_at_price,
            cost_price=row.cost_price,
            stock=row.stock,
            skin_type=row.skin_type,
            skin_concerns=list(row.skin_concerns),
            ingredients=list(row.ingredients),
            usage_instructions=row.usage_instructions,
            weight=row.weight,
            size=row.size,
            is_featured=row.is_featured,
            status=row.status,
            meta_title=row.meta_title,
            meta_description=row.meta_description,
            created_at=created,
            published_at=None if row.status == ProductStatus.DRAFT else created,
        )
        product.categories = [categories[row.category], *(categories[s] for s in row.extra_categories)]
        if with_images:
            for variant in range(_image_count(row)):
                product.images.append(
                    ProductImage(
                        image_url=_write_product_image(row, variant),
                        alt_text=row.name_en,
                        sort_order=variant,
                        is_primary=variant == 0,
                    )
                )
            product.image_url = product.images[0].image_url
        db.session.add(product)
        existing[row.sku] = product
        added["products"] += 1
    return existing


def _seed_users(added: dict[str, int], now: datetime) -> dict[str, User]:
    existing = {u.email: u for u in db.session.scalars(sa.select(User))}
    hashes = {role: hash_password(password) for role, password in DEMO_PASSWORDS.items()}
    rng = random.Random(94)
    for row in (*records.staff(), *records.customers()):
        if row.email in existing:
            continue
        # Staff since the shop opened; customers over the last year (moved before their first
        # order by _seed_orders).
        days = SHOP_OPENED_DAYS_AGO if row.role != UserRole.CUSTOMER else rng.randint(20, 365)
        joined = now - timedelta(days=days, hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        user = User(
            email=row.email,
            password_hash=hashes[row.role.value],
            first_name=row.first_name,
            last_name=row.last_name,
            phone=_phone(row.phone),
            gender=row.gender,
            date_of_birth=row.date_of_birth,
            skin_type=row.skin_type,
            language=row.language,
            role=row.role,
            email_verified=True,
            email_verified_at=joined + timedelta(minutes=5),
            created_at=joined,
            updated_at=joined,
        )
        for address in row.addresses:
            user.addresses.append(
                UserAddress(
                    type=address.type,
                    first_name=address.first_name,
                    last_name=address.last_name,
                    address_line1=address.address_line1,
                    address_line2=address.address_line2,
                    city=address.city,
                    state=address.state,
                    postal_code=address.postal_code,
                    country=address.country,
                    # As the address book stores them since migration 0013: a province code,
                    # an E.164 phone.
                    province=_province_code(address.city, address.state),
                    phone=_phone(address.phone),
                    is_default=address.is_default,
                    created_at=joined,
                )
            )
        db.session.add(user)
        existing[row.email] = user
        added["users"] += 1
    return existing


def _window(season: Season, year: int) -> tuple[date, date]:
    start = date(year, *season.start)
    return start, date(year + (season.end < season.start), *season.end)


def coupon_dates(row: CouponRecord, today: date) -> tuple[date | None, date | None, CouponStatus]:
    """A coupon's start, end and status on `today`: offsets count from today; a seasonal coupon
    runs in its season this year, and out of season is scheduled for the next one or has ended
    with the last one, so no "Khmer New Year" offer runs in December."""
    if row.season is None:
        start = today + timedelta(days=row.start_offset_days) if row.start_offset_days is not None else None
        end = today + timedelta(days=row.end_offset_days) if row.end_offset_days is not None else None
        return start, end, row.status
    windows = [_window(row.season, year) for year in (today.year - 1, today.year, today.year + 1)]
    for start, end in windows:
        if start <= today <= end:
            return start, end, row.status
    if row.season.out_of_season == "scheduled":
        start, end = next(w for w in windows if w[0] > today)
        return start, end, row.status
    start, end = [w for w in windows if w[1] < today][-1]
    return start, end, CouponStatus.EXPIRED


def _seed_coupons(products: dict[str, Product], added: dict[str, int], today: date) -> dict[str, Coupon]:
    db.session.flush()  # product ids for applicable_products
    existing = {c.code: c for c in db.session.scalars(sa.select(Coupon))}
    for row in records.coupons():
        if row.code in existing:
            continue
        start, end, status = coupon_dates(row, today)
        coupon = Coupon(
            code=row.code,
            name=row.name,
            description=row.description,
            type=row.type,
            value=row.value,
            max_discount=row.max_discount,
            usage_limit=row.usage_limit,
            usage_limit_per_user=row.usage_limit_per_user,
            min_order_value=row.min_order_value,
            applicable_products=[products[sku].id for sku in row.applicable_products] or None,
            applicable_categories=list(row.applicable_categories) or None,
            status=status,
            is_first_time_only=row.is_first_time_only,
            start_date=start,
            end_date=end,
        )
        db.session.add(coupon)
        existing[row.code] = coupon
        added["coupons"] += 1
    return existing


def _seed_orders(
    users: dict[str, User],
    products: dict[str, Product],
    coupons: dict[str, Coupon],
    added: dict[str, int],
    now: datetime,
) -> None:
    already = db.session.scalar(
        sa.select(sa.func.count()).select_from(Order).where(Order.order_number.like(f"{DEMO_ORDER_PREFIX}%"))
    )
    if already:
        return
    rng = random.Random(2026)
    customers = [users[c.email] for c in records.customers()]
    sellable = [p for p in products.values() if p.status == ProductStatus.ACTIVE]
    percent_coupon = next(
        c for c in coupons.values() if c.type == CouponType.PERCENTAGE and c.status == CouponStatus.ACTIVE
    )
    statuses = list(OrderStatus)
    joined_rng = random.Random(95)
    for number in range(1, 43):
        customer = customers[number % len(customers)]
        status = statuses[number % len(statuses)]
        created = now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        if customer.created_at >= created:  # a shopper signs up before ordering
            customer.created_at = customer.updated_at = created - timedelta(days=joined_rng.randint(1, 120))
            customer.email_verified_at = customer.created_at + timedelta(minutes=5)
            for address in customer.addresses:
                address.created_at = customer.created_at
        chosen = rng.sample(sellable, rng.randint(1, 4))
        items = [
            OrderItem(
                product_id=p.id,
                product_name=p.name_en,
                product_name_kh=p.name_kh or None,
                product_sku=p.sku,
                quantity=(quantity := rng.randint(1, 3)),
                unit_price=p.price,
                total_price=line_total(p.price, quantity),
                created_at=created,
            )
            for p in chosen
        ]
        subtotal = to_money(sum((i.total_price for i in items), Decimal("0")))
        use_coupon = number % 5 == 0
        discount = percent_of(subtotal, percent_coupon.value) if use_coupon else Decimal("0.00")
        if use_coupon and percent_coupon.max_discount is not None:
            discount = min(discount, percent_coupon.max_discount)
        address = next((a for a in customer.addresses if a.type == "shipping"), customer.addresses[0])
        shipping = SHIPPING_PHNOM_PENH if address.city == "Phnom Penh" else SHIPPING_PROVINCE
        tax = percent_of(subtotal - discount, TAX_RATE)
        payment_status, fulfillment_status = STATUS_STATES[status]
        order = Order(
            order_number=f"{DEMO_ORDER_PREFIX}{number:04d}",
            user_id=customer.id,
            customer_name=customer.full_name,
            customer_email=customer.email,
            subtotal=subtotal,
            tax_amount=tax,
            shipping_amount=shipping,
            discount_amount=discount,
            total=subtotal + tax + shipping - discount,
            status=status,
            payment_status=payment_status,
            fulfillment_status=fulfillment_status,
            shipping_address=address.as_snapshot(),
            billing_address=address.as_snapshot(),
            payment_method="cod",
            shipping_method="standard",
            created_at=created,
            items=items,
        )
        previous = None
        for step, next_status in enumerate([OrderStatus.PENDING, *STATUS_PATHS[status]]):
            order.events.append(
                OrderStatusEvent(
                    from_status=previous, to_status=next_status.value, created_at=created + timedelta(hours=12 * step)
                )
            )
            previous = next_status.value
        if status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED):
            order.tracking_number = f"KH{rng.randint(10**9, 10**10 - 1)}"
            order.shipped_at = created + timedelta(days=1)
        if status in (OrderStatus.DELIVERED, OrderStatus.REFUNDED):
            order.delivered_at = created + timedelta(days=3)
        db.session.add(order)
        if use_coupon:
            db.session.flush()
            db.session.add(
                CouponUsage(
                    coupon_id=percent_coupon.id,
                    user_id=customer.id,
                    order_id=order.id,
                    discount_amount=discount,
                    used_at=created,
                )
            )
            percent_coupon.used_count += 1
        if status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            customer.total_orders += 1
            customer.total_spent = to_money(customer.total_spent + order.total)
        added["orders"] += 1


def _review_texts_by_kind() -> dict[str, list[ReviewText]]:
    by_kind: dict[str, list[ReviewText]] = {}
    for text in records.review_texts():
        by_kind.setdefault(text.kind, []).append(text)
    return by_kind


REVIEWS_PER_PRODUCT = (0, 1, 1, 2, 2, 3)


def _seed_reviews(users: dict[str, User], products: dict[str, Product], added: dict[str, int], now: datetime) -> None:
    """Reviews written for what each product is (a cleanser's review speaks of cleansing), by a
    customer who writes in the review's language, dated after they joined (and, for a verified
    purchase, after the delivery)."""
    existing = set(db.session.execute(sa.select(Review.product_id, Review.user_id)).tuples())
    delivered: dict[tuple[int, int], datetime] = {}
    for user_id, product_id, delivered_at in db.session.execute(
        sa.select(Order.user_id, OrderItem.product_id, Order.delivered_at)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(Order.status == OrderStatus.DELIVERED, Order.user_id.is_not(None))
    ).tuples():
        if user_id is not None and product_id is not None and delivered_at is not None:
            delivered[(user_id, product_id)] = delivered_at
    rng = random.Random(7)
    by_kind = _review_texts_by_kind()
    customers = [users[c.email] for c in records.customers()]
    writers = {
        language: [c for c in customers if c.language == language] for language in {c.language for c in customers}
    }
    sellable = sorted((p for p in products.values() if p.status == ProductStatus.ACTIVE), key=lambda p: p.sku)
    statuses = [ReviewStatus.APPROVED] * 6 + [ReviewStatus.PENDING] * 3 + [ReviewStatus.REJECTED]
    index = 0
    for position, product in enumerate(sellable):
        own = by_kind.get(product.category, [])
        texts = own + by_kind.get(ANY_KIND, [])
        for k in range(REVIEWS_PER_PRODUCT[position % len(REVIEWS_PER_PRODUCT)]):
            # Mostly texts about this kind of product; now and then one about delivery or price.
            pool = own if own and (k < 2 or not by_kind.get(ANY_KIND)) else texts
            text = pool[(position + k * 3) % len(pool)]
            people = writers.get(text.language) or customers
            customer = people[(position * 3 + k) % len(people)]
            if (product.id, customer.id) in existing:
                continue
            existing.add((product.id, customer.id))
            bought = delivered.get((customer.id, product.id))
            earliest = max(
                customer.created_at, product.published_at or product.created_at, bought or customer.created_at
            )
            span = max(int((now - earliest).total_seconds()), 1)
            db.session.add(
                Review(
                    product_id=product.id,
                    user_id=customer.id,
                    rating=text.rating,
                    title=text.title,
                    comment=text.comment,
                    customer_name=customer.full_name,
                    customer_email=customer.email,
                    status=statuses[index % len(statuses)],
                    is_verified_purchase=bought is not None,
                    helpful_count=rng.randint(0, 25),
                    created_at=earliest + timedelta(seconds=rng.randint(0, span)),
                )
            )
            index += 1
            added["reviews"] += 1


def _seed_variants(products: dict[str, Product]) -> None:
    """Give the demo products that come in sizes or shades their variants (data/variants.json):
    the default variant takes the first one's name, the others are added; then each product's
    price, stock and SKU follow its variants. Products that already have them are left alone."""
    from shop.catalog import variants as catalog_variants
    from shop.catalog.models import ProductVariant

    db.session.flush()
    changed: list[int] = []
    for sku, rows in records.variants().items():
        product = products.get(sku)
        if product is None:
            continue
        default = catalog_variants.default_variant(product)
        if default.option_value_en is not None:
            continue  # seeded before
        first, *others = rows
        default.option_name, default.option_value_en, default.option_value_kh = (
            first.option_name,
            first.option_value_en,
            first.option_value_kh,
        )
        for position, row in enumerate(others, start=1):
            db.session.add(
                ProductVariant(
                    product_id=product.id,
                    option_name=row.option_name,
                    option_value_en=row.option_value_en,
                    option_value_kh=row.option_value_kh,
                    sku=row.sku,
                    price=row.price,
                    compare_at_price=row.compare_at_price,
                    cost_price=product.cost_price,
                    stock=row.stock,
                    position=position,
                )
            )
        changed.append(product.id)
    catalog_variants.sync(changed)
