"""factory_boy factories for every model. They commit, so the tests see real rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from shop.accounts.models import Language, User, UserAddress, UserRole
from shop.accounts.passwords import hash_password
from shop.audit.models import AuditLog
from shop.cart.models import CartItem
from shop.catalog.models import Category, Product, ProductImage, ProductStatus, SkinType
from shop.coupons.models import Coupon, CouponStatus, CouponType, CouponUsage
from shop.extensions import db
from shop.money import line_total
from shop.orders.models import Order, OrderItem, OrderStatus, OrderStatusEvent
from shop.reviews.models import Review, ReviewStatus
from shop.wishlist.models import WishlistItem

PASSWORD = "correct-horse-battery"
# argon2 is slow on purpose; hash the shared test password once.
PASSWORD_HASH = hash_password(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    password_hash = PASSWORD_HASH
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+855 12 {n:06d}")
    skin_type = SkinType.NORMAL
    language = Language.EN
    role = UserRole.CUSTOMER
    email_verified = True


class AdminFactory(UserFactory):
    role = UserRole.ADMIN


class ModeratorFactory(UserFactory):
    role = UserRole.MODERATOR


class AddressFactory(Base):
    class Meta:
        model = UserAddress

    user = factory.SubFactory(UserFactory)
    type = "shipping"
    first_name = "Sokha"
    last_name = "Chan"
    address_line1 = factory.Sequence(lambda n: f"No. {n}, Street 278")
    address_line2 = None
    province = "KH-12"
    district = "Khan Boeng Keng Kang"
    commune = "Sangkat Boeng Keng Kang 1"
    city = "Phnom Penh"
    state = None
    postal_code = "120101"
    country = "Cambodia"
    phone = "+85512345678"
    is_default = False


class CategoryFactory(Base):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    name_kh = factory.Sequence(lambda n: f"ប្រភេទ {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    description = "A category"
    is_active = True
    sort_order = factory.Sequence(int)


class ProductFactory(Base):
    class Meta:
        model = Product

    name_en = factory.Sequence(lambda n: f"Rice Water Toner {n}")
    name_kh = factory.Sequence(lambda n: f"តូណឺរទឹកអង្ករ {n}")
    slug = factory.Sequence(lambda n: f"rice-water-toner-{n}")
    sku = factory.Sequence(lambda n: f"TST-{n:05d}")
    brand = "Mekong Dew"
    description_en = "A gentle toner."
    description_kh = "តូណឺរស្រាល។"
    price = Decimal("12.50")
    stock = 20
    skin_type = SkinType.ALL
    category = "toners"
    skin_concerns = factory.LazyFunction(lambda: ["dullness"])
    ingredients = factory.LazyFunction(lambda: ["Aqua", "Oryza Sativa (Rice) Bran Extract", "Niacinamide"])
    status = ProductStatus.ACTIVE


class ProductImageFactory(Base):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image_url = factory.Sequence(lambda n: f"/uploads/products/test-{n}.webp")
    alt_text = "Product photo"
    sort_order = 0
    is_primary = True


class OrderFactory(Base):
    """An order whose totals satisfy the seed's formula."""

    class Meta:
        model = Order

    order_number = factory.Sequence(lambda n: f"SK-TEST-{n:06d}")
    user_id = factory.LazyAttribute(lambda o: o.user.id if o.user else None)
    customer_name = "Sokha Chan"
    customer_email = factory.LazyAttribute(lambda o: o.user.email if o.user else "guest@example.com")
    subtotal = Decimal("25.00")
    tax_amount = Decimal("2.50")
    shipping_amount = Decimal("1.50")
    discount_amount = Decimal("0.00")
    total = factory.LazyAttribute(lambda o: o.subtotal + o.tax_amount + o.shipping_amount - o.discount_amount)
    status = OrderStatus.PENDING
    shipping_address = factory.LazyFunction(lambda: {"city": "Phnom Penh", "country": "Cambodia"})

    class Params:
        user = None


class OrderItemFactory(Base):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    product_id = factory.LazyAttribute(lambda o: o.product.id)
    product_name = factory.LazyAttribute(lambda o: o.product.name_en)
    product_sku = factory.LazyAttribute(lambda o: o.product.sku)
    quantity = 2
    unit_price = factory.LazyAttribute(lambda o: o.product.price)
    total_price = factory.LazyAttribute(lambda o: line_total(o.unit_price, o.quantity))

    class Params:
        product = factory.SubFactory(ProductFactory)


class OrderStatusEventFactory(Base):
    class Meta:
        model = OrderStatusEvent

    order = factory.SubFactory(OrderFactory)
    from_status = "pending"
    to_status = "confirmed"


class CartItemFactory(Base):
    class Meta:
        model = CartItem

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    product_id = factory.LazyFunction(lambda: ProductFactory().id)
    quantity = 1


class WishlistItemFactory(Base):
    class Meta:
        model = WishlistItem

    user_id = factory.LazyFunction(lambda: UserFactory().id)
    product_id = factory.LazyFunction(lambda: ProductFactory().id)


class ReviewFactory(Base):
    class Meta:
        model = Review

    product_id = factory.LazyFunction(lambda: ProductFactory().id)
    user_id = factory.LazyFunction(lambda: UserFactory().id)
    rating = 5
    title = "Great in the heat"
    comment = "Light and does not pill under sunscreen."
    customer_name = "Sokha"
    status = ReviewStatus.APPROVED


class CouponFactory(Base):
    class Meta:
        model = Coupon

    code = factory.Sequence(lambda n: f"SAVE{n}")
    name = "Test coupon"
    type = CouponType.PERCENTAGE
    value = Decimal("10.00")
    status = CouponStatus.ACTIVE
    usage_limit_per_user = 1
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=1))
    end_date = factory.LazyFunction(lambda: date.today() + timedelta(days=30))


class CouponUsageFactory(Base):
    class Meta:
        model = CouponUsage

    coupon_id = factory.LazyFunction(lambda: CouponFactory().id)
    user_id = factory.LazyFunction(lambda: UserFactory().id)
    order_id = None
    discount_amount = Decimal("2.50")


class AuditLogFactory(Base):
    class Meta:
        model = AuditLog

    action = "product.update"
    entity_type = "product"
    entity_id = "1"
    before = factory.LazyFunction(lambda: {"price": "10.00"})
    after = factory.LazyFunction(lambda: {"price": "12.00"})
