"""Every model, imported in one place so the metadata (and Alembic) sees the whole schema."""

from shop.accounts.models import Language, User, UserAddress, UserRole
from shop.audit.models import AuditLog
from shop.cart.models import CartItem
from shop.catalog.models import Category, Product, ProductImage, ProductStatus, SkinType, product_categories
from shop.content.models import ContentPage
from shop.coupons.models import Coupon, CouponStatus, CouponType, CouponUsage
from shop.delivery.models import DeliveryMethod, DeliveryZone, DeliveryZoneProvince
from shop.orders.models import (
    FulfillmentStatus,
    Order,
    OrderItem,
    OrderRefund,
    OrderStatus,
    OrderStatusEvent,
    PaymentStatus,
)
from shop.payments.models import PaymentAttempt, PaymentEvent
from shop.reviews.models import Review, ReviewHelpfulVote, ReviewStatus
from shop.wishlist.models import WishlistItem

__all__ = [
    "AuditLog",
    "CartItem",
    "Category",
    "ContentPage",
    "Coupon",
    "CouponStatus",
    "CouponType",
    "CouponUsage",
    "DeliveryMethod",
    "DeliveryZone",
    "DeliveryZoneProvince",
    "FulfillmentStatus",
    "Language",
    "Order",
    "OrderItem",
    "OrderRefund",
    "OrderStatus",
    "OrderStatusEvent",
    "PaymentAttempt",
    "PaymentEvent",
    "PaymentStatus",
    "Product",
    "ProductImage",
    "ProductStatus",
    "Review",
    "ReviewHelpfulVote",
    "ReviewStatus",
    "SkinType",
    "User",
    "UserAddress",
    "UserRole",
    "WishlistItem",
    "product_categories",
]
