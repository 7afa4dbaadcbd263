"""Door 1: the shopper's pages."""

from flask import Blueprint

bp = Blueprint("storefront", __name__)

from storefront import (  # noqa: E402,F401  (registers routes)
    account_views,
    auth_views,
    cart_views,
    catalog_views,
    checkout_views,
    delivery_views,
    guest_order_views,
    order_views,
    payment_views,
    recommendation_views,
    review_views,
    skin_views,
    tracking,
    wishlist_views,
)
