"""Door 2: the staff admin panel at /admin (issue 6 builds its pages)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from admin import menu  # noqa: E402


@bp.app_context_processor
def _admin_menu():
    return {"admin_menu": menu.visible}


from admin import (  # noqa: E402,F401  (registers routes)
    analytics_views,
    category_views,
    charts,
    content_views,
    coupon_views,
    customer_views,
    delivery_views,
    order_views,
    outbox_views,
    product_views,
    review_views,
    stock_views,
    views,
)
