"""`flask seed`: load the demo shop. Idempotent: rows are matched by their natural keys
(category slug, product SKU, user email, coupon code, demo order number), so running it
again adds nothing twice."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from shop.accounts.models import Language, User, UserAddress, UserRole
from shop.accounts.passwords import hash_password
from shop.catalog.models import Category, Product, ProductImage, ProductStatus, SkinType
from shop.coupons.models import Coupon, CouponStatus, CouponType, CouponUsage
from shop.demo import data, images
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


def seed_demo(*, with_images: bool = True) -> dict[str, int]:
    """Load the demo shop; returns how many rows of each kind it added."""
    added = {"categories": 0, "products": 0, "users": 0, "coupons": 0, "orders": 0, "reviews": 0}
    categories = _seed_categories(added, with_images)
    products = _seed_products(categories, added, with_images)
    users = _seed_users(added)
    coupons = _seed_coupons(products, added)
    db.session.flush()
    _seed_orders(users, products, coupons, added)
    db.session.flush()
    _seed_reviews(users, products, added)
    db.session.commit()
    return added


def _upload_dir(*parts: str) -> Path:
    path = Path(current_app.config["UPLOAD_PATH"], *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_image(folder: str, name: str, make) -> str:
    target = _upload_dir(folder) / name
    if not target.exists():
        target.write_bytes(make())
    return f"/uploads/{folder}/{name}"


def _seed_categories(added: dict, with_images: bool) -> dict[str, Category]:
    existing = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    palette = [p["color"] for p in data.PRODUCTS]
    for index, row in enumerate(data.CATEGORIES):
        category = existing.get(row["slug"])
        if category is None:
            category = Category(slug=row["slug"])
            db.session.add(category)
            existing[row["slug"]] = category
            added["categories"] += 1
        category.name = row["name_en"]
        category.name_kh = row["name_kh"]
        category.description = row["description_en"]
        category.description_kh = row["description_kh"]
        category.sort_order = row["sort_order"]
        category.is_active = True
        if with_images:
            color = palette[index % len(palette)]
            category.image_url = _write_image(
                "categories", f"{row['slug']}.webp", lambda r=row, c=color: images.category_image(r["name_en"], c)
            )
    for row in data.CATEGORIES:
        existing[row["slug"]].parent = existing.get(row["parent"]) if row["parent"] else None
    return existing


def _seed_products(categories: dict[str, Category], added: dict, with_images: bool) -> dict[str, Product]:
    existing = {p.sku: p for p in db.session.scalars(sa.select(Product))}
    today = utcnow()
    for index, row in enumerate(data.PRODUCTS):
        product = existing.get(row["sku"])
        if product is not None:
            continue
        status = ProductStatus(row["status"])
        product = Product(
            sku=row["sku"],
            slug=row["slug"],
            brand=row["brand"],
            name_en=row["name_en"],
            name_kh=row["name_kh"],
            short_description=row["short_description"],
            description_en=row["description_en"],
            description_kh=row["description_kh"],
            category=row["category"],
            price=Decimal(row["price"]),
            compare_at_price=Decimal(row["compare_at_price"]) if row["compare_at_price"] else None,
            cost_price=Decimal(row["cost_price"]),
            stock=row["stock"],
            skin_type=SkinType(row["skin_type"]),
            skin_concerns=list(row["skin_concerns"]),
            ingredients=list(row["ingredients"]),
            usage_instructions=row["usage_instructions"],
            weight=Decimal(row["weight"]),
            size=row.get("size"),
            is_featured=row["is_featured"],
            status=status,
            meta_title=row["meta_title"],
            meta_description=row["meta_description"],
            # Spread "created" over the last months so "new arrivals" means something.
            created_at=today - timedelta(days=3 * (len(data.PRODUCTS) - index)),
            published_at=None
            if status == ProductStatus.DRAFT
            else today - timedelta(days=3 * (len(data.PRODUCTS) - index)),
        )
        product.categories = [categories[row["category"]], *(categories[s] for s in row["extra_categories"])]
        if with_images:
            for variant in range(3 if row["is_featured"] else 2):
                url = _write_image(
                    "products",
                    f"{row['slug']}-{variant + 1}.webp",
                    lambda r=row, v=variant: images.product_image(
                        r["name_en"], r["brand"], r["color"], r["shape"], variant=v
                    ),
                )
                product.images.append(
                    ProductImage(image_url=url, alt_text=row["name_en"], sort_order=variant, is_primary=variant == 0)
                )
            product.image_url = product.images[0].image_url
        db.session.add(product)
        existing[row["sku"]] = product
        added["products"] += 1
    return existing


def _seed_users(added: dict) -> dict[str, User]:
    existing = {u.email: u for u in db.session.scalars(sa.select(User))}
    hashes = {role: hash_password(password) for role, password in DEMO_PASSWORDS.items()}
    rows = [*data.STAFF, *({**c, "role": "customer"} for c in data.CUSTOMERS)]
    for row in rows:
        if row["email"] in existing:
            continue
        role = UserRole(row["role"])
        user = User(
            email=row["email"],
            password_hash=hashes[role.value],
            first_name=row["first_name"],
            last_name=row["last_name"],
            phone=row.get("phone"),
            gender=row.get("gender"),
            date_of_birth=date.fromisoformat(row["date_of_birth"]) if row.get("date_of_birth") else None,
            skin_type=SkinType(row.get("skin_type", "normal")),
            language=Language(row.get("language", "en")),
            role=role,
            email_verified=True,
            email_verified_at=utcnow(),
        )
        for address in row.get("addresses", []):
            user.addresses.append(UserAddress(**address))
        db.session.add(user)
        existing[row["email"]] = user
        added["users"] += 1
    return existing


def _seed_coupons(products: dict[str, Product], added: dict) -> dict[str, Coupon]:
    db.session.flush()  # product ids for applicable_products
    existing = {c.code: c for c in db.session.scalars(sa.select(Coupon))}
    today = date.today()
    for row in data.COUPONS:
        if row["code"] in existing:
            continue
        coupon = Coupon(
            code=row["code"],
            name=row["name"],
            description=row["description"],
            type=CouponType(row["type"]),
            value=Decimal(row["value"]),
            max_discount=Decimal(row["max_discount"]) if row["max_discount"] else None,
            usage_limit=row["usage_limit"],
            usage_limit_per_user=row["usage_limit_per_user"],
            min_order_value=Decimal(row["min_order_value"]) if row["min_order_value"] else None,
            applicable_products=[products[sku].id for sku in row["applicable_products"]] or None,
            applicable_categories=list(row["applicable_categories"]) or None,
            status=CouponStatus(row["status"]),
            is_first_time_only=row["is_first_time_only"],
            start_date=today + timedelta(days=row["start_offset_days"])
            if row["start_offset_days"] is not None
            else None,
            end_date=today + timedelta(days=row["end_offset_days"]) if row["end_offset_days"] is not None else None,
        )
        db.session.add(coupon)
        existing[row["code"]] = coupon
        added["coupons"] += 1
    return existing


def _seed_orders(users: dict[str, User], products: dict[str, Product], coupons: dict[str, Coupon], added: dict) -> None:
    already = db.session.scalar(
        sa.select(sa.func.count()).select_from(Order).where(Order.order_number.like(f"{DEMO_ORDER_PREFIX}%"))
    )
    if already:
        return
    rng = random.Random(2026)
    customers = [users[c["email"]] for c in data.CUSTOMERS]
    sellable = [p for p in products.values() if p.status == ProductStatus.ACTIVE]
    percent_coupon = next(
        c for c in coupons.values() if c.type == CouponType.PERCENTAGE and c.status == CouponStatus.ACTIVE
    )
    statuses = list(OrderStatus)
    now = utcnow()
    for number in range(1, 43):
        customer = customers[number % len(customers)]
        status = statuses[number % len(statuses)]
        created = now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        chosen = rng.sample(sellable, rng.randint(1, 4))
        items = [
            OrderItem(
                product_id=p.id,
                product_name=p.name_en,
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


def _seed_reviews(users: dict[str, User], products: dict[str, Product], added: dict) -> None:
    existing = set(db.session.execute(sa.select(Review.product_id, Review.user_id)).tuples())
    delivered = set(
        db.session.execute(
            sa.select(Order.user_id, OrderItem.product_id)
            .join(OrderItem, OrderItem.order_id == Order.id)
            .where(Order.status == OrderStatus.DELIVERED)
        ).tuples()
    )
    rng = random.Random(7)
    customers = [users[c["email"]] for c in data.CUSTOMERS]
    sellable = sorted((p for p in products.values() if p.status == ProductStatus.ACTIVE), key=lambda p: p.sku)
    statuses = [ReviewStatus.APPROVED] * 6 + [ReviewStatus.PENDING] * 3 + [ReviewStatus.REJECTED]
    now = utcnow()
    for index, (rating, _language, title, comment) in enumerate(data.REVIEW_TEXTS * 3):
        product = sellable[(index * 7) % len(sellable)]
        customer = customers[(index * 3) % len(customers)]
        if (product.id, customer.id) in existing:
            continue
        existing.add((product.id, customer.id))
        db.session.add(
            Review(
                product_id=product.id,
                user_id=customer.id,
                rating=rating,
                title=title,
                comment=comment,
                customer_name=customer.full_name,
                customer_email=customer.email,
                status=statuses[index % len(statuses)],
                is_verified_purchase=(customer.id, product.id) in delivered,
                helpful_count=rng.randint(0, 25),
                created_at=now - timedelta(days=rng.randint(0, 120)),
            )
        )
        added["reviews"] += 1
