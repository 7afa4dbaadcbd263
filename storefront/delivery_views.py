"""Delivery estimates for the shopper's province: on the product page (loaded by HTMX, so the
cached product page stays the same for everyone) and on the cart, with "spend $X more for free
delivery". The province is the one the shopper chose (a `province` cookie: choosing costs no
server-side session) or that of their default delivery address."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from shop.accounts import services as accounts
from shop.accounts.provinces import find_province, province_choices
from shop.cart import services as cart
from shop.delivery import services as delivery
from shop.infra import cookies
from storefront import bp
from storefront.cart_views import cart_owner
from web.auth import safe_next_url
from web.htmx import is_htmx_fragment_request
from web.responses import private

PROVINCE_COOKIE = "province"
ESTIMATE = "storefront/delivery/_estimate.html"


def remembered_province() -> str | None:
    """The shopper's province code: chosen (cookie), else their default delivery address's."""
    chosen = g.get("province_choice") or request.cookies.get(PROVINCE_COOKIE)
    province = find_province(chosen)
    if province is not None:
        return province.code
    if current_user.is_authenticated:
        for address in accounts.list_addresses(current_user.id):
            if address.type == "shipping" and address.is_default and find_province(address.province):
                return address.province
    return None


def remember_province(code: str | None) -> None:
    """Keep the shopper's choice (a year, in a cookie) for the next estimate."""
    province = find_province(code)
    if province is not None:
        g.province_choice = province.code


@bp.after_request
def _send_province_cookie(response):
    chosen = g.get("province_choice")
    if chosen and request.cookies.get(PROVINCE_COOKIE) != chosen:
        cookies.set_cookie(
            response, PROVINCE_COOKIE, chosen, secure=cookies.secure(current_app.config), max_age=365 * 24 * 3600
        )
    return response


def estimate_context(subtotal: Decimal | None) -> dict:
    """What the estimate partial shows, for goods worth `subtotal` (None: a product page)."""
    code = remembered_province()
    estimate = delivery.estimate_for(code)
    missing = estimate.missing_for_free(subtotal) if estimate is not None and subtotal is not None else None
    return {
        "estimate": estimate,
        "province": code,
        "provinces": province_choices(),
        "missing_for_free": missing,
        "subtotal": subtotal,
        "unknown_province": code is None,
    }


@bp.get("/delivery/estimate")
def delivery_estimate():
    """The estimate for the shopper's province; `?province=` chooses another one (remembered).
    `?cart=1` prices it for the cart (the free-delivery threshold)."""
    if request.args.get("province"):
        remember_province(request.args["province"])
    subtotal = None
    if request.args.get("cart") == "1":
        view = cart.view(cart_owner(), email=current_user.email if current_user.is_authenticated else None)
        subtotal = view.quote.subtotal if view.quote else Decimal("0.00")
    if not is_htmx_fragment_request():  # the plain form (no JavaScript): back to the page it was on
        return redirect(safe_next_url(request.args.get("next")) or url_for("storefront.cart"), 303)
    body = render_template(ESTIMATE, **estimate_context(subtotal), in_cart=subtotal is not None)
    return private(make_response(body))
