"""Cart, wishlist, orders and coupons over JSON: /api/v1/cart/*, /wishlist/*, /orders*, /coupons/*."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_jwt_extended import current_user, get_current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import shopper_schemas as out
from api.accounts import PROVINCE_DOC
from api.fields import money
from api.ml_analytics import api_visitor, header_session_id, signed_in_visitor
from api.pagination import PaginationQuery, paginated_page
from api.payments import current_attempt_json, require_khqr
from api.validation import Id, Range
from shop.accounts import services as accounts
from shop.accounts.addresses import clean_address as accounts_clean_address
from shop.accounts.provinces import PHNOM_PENH
from shop.analytics import tracking
from shop.analytics.tracking import EventType
from shop.cart import services as cart
from shop.coupons import services as coupons
from shop.coupons.models import Coupon
from shop.delivery import services as delivery
from shop.errors import ShopError
from shop.i18n import current_locale, localized, riel_amount
from shop.orders import guests
from shop.orders import services as orders
from shop.orders.models import Order
from shop.wishlist import services as wishlist
from web.envelope import error_response, success_response
from web.status import order_status_label

cart_bp = Blueprint("cart", __name__, url_prefix="/api/v1/cart", description="The signed-in shopper's cart")
wishlist_bp = Blueprint("wishlist", __name__, url_prefix="/api/v1/wishlist", description="Saved products")
orders_bp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Checkout and order history")
coupons_bp = Blueprint("coupons", __name__, url_prefix="/api/v1/coupons", description="Coupons")

QUANTITY = Range(min=1, max=orders.MAX_QUANTITY)


def _owner() -> cart.Owner:
    return cart.Owner(user_id=current_user.id)


def _add_riel(data: dict, *fields: str) -> dict:
    """Put `<field>_khr` beside each dollar field of `data`: whole riel at today's KHR_PER_USD."""
    data.update({f"{field}_khr": riel_amount(data[field]) for field in fields})
    return data


def _product(product) -> dict:
    return {"id": product.id, "slug": product.slug, "name": localized(product, "name"), "image_url": product.image_url}


def _cart(view: cart.CartView) -> dict:
    quote = view.quote
    data: dict[str, Any] = {
        "items": [
            {
                **_product(line.product),
                "product_id": line.product.id,
                "variant_id": line.variant.id if line.variant else None,
                "variant_name": line.variant_name,
                "sku": line.variant.sku if line.variant else line.product.sku,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
                "line_total": money(line.total),
                "price_at_add": money(line.price_at_add),
                "price_changed": line.price_changed,
                "notices": [str(n) for n in line.notices],
            }
            for line in view.lines
        ],
        "unavailable": [_product(p) for p in view.unavailable],
        "count": view.count,
        "coupon_code": view.coupon_code,
        "coupon_error": str(view.coupon_error.message) if view.coupon_error else None,
        "subtotal": money(quote.subtotal if quote else 0),
        "discount": money(quote.discount if quote else 0),
        "tax": money(quote.tax if quote else 0),
        # Delivery depends on the address: POST /api/v1/orders/preview prices it.
        "total_before_shipping": money(quote.total if quote else 0),
    }
    for item in data["items"]:
        _add_riel(item, "unit_price", "line_total", "price_at_add")
    return _add_riel(data, "subtotal", "discount", "tax", "total_before_shipping")


def order_json(order: Order, *, detail: bool = True) -> dict:
    data: dict[str, Any] = {
        "id": order.id,
        "order_number": order.order_number,
        "status": order.status.value,
        "status_label": order_status_label(order.status),
        "payment_status": order.payment_status.value,
        "fulfillment_status": order.fulfillment_status.value,
        "subtotal": money(order.subtotal),
        "tax_amount": money(order.tax_amount),
        "shipping_amount": money(order.shipping_amount),
        "discount_amount": money(order.discount_amount),
        "total": money(order.total),
        "item_count": sum(item.quantity for item in order.items),
        "created_at": order.created_at.isoformat() if order.created_at else None,
    }
    _add_riel(data, "subtotal", "tax_amount", "shipping_amount", "discount_amount", "total")
    if detail:
        data.update(
            items=[
                {
                    "product_id": i.product_id,
                    "product_name": i.product_name,
                    "product_name_kh": i.product_name_kh,
                    "product_sku": i.product_sku,
                    "variant_id": i.variant_id,
                    "variant_name": i.variant_name,
                    "variant_name_kh": i.variant_name_kh,
                    "variant_sku": i.variant_sku,
                    "quantity": i.quantity,
                    "unit_price": money(i.unit_price),
                    "total_price": money(i.total_price),
                }
                for i in order.items
            ],
            shipping_address=order.shipping_address,
            billing_address=order.billing_address,
            payment_method=order.payment_method,
            shipping_method=order.shipping_method,
            tracking_number=order.tracking_number,
            notes=order.notes,
            timeline=[
                {"status": e.to_status, "at": e.created_at.isoformat() if e.created_at else None} for e in order.events
            ],
            can_cancel=orders.can_cancel(order),
        )
        for item in data["items"]:
            _add_riel(item, "unit_price", "total_price")
    return data


# ---------------------------------------------------------------- cart


class AddIn(Schema):
    product_id = Id(required=True)
    quantity = fields.Integer(load_default=1, validate=QUANTITY)
    variant_id = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=Range(min=1),
        metadata={"description": "The size or shade (a product's `variants[].id`); the default one when absent"},
    )


class LineQuery(Schema):
    variant_id = fields.Integer(
        load_default=None, validate=Range(min=1), metadata={"description": "Which size or shade's line"}
    )


class QuantityIn(Schema):
    quantity = fields.Integer(required=True, validate=QUANTITY)


class CouponIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=50))


@cart_bp.get("")
@cart_bp.response(200, out.CartEnvelope)
@jwt_required()
def get_cart():
    """The cart at today's prices, with price changes and withdrawn products called out. Every
    dollar figure (`subtotal`, `unit_price`, ...) has its whole riel beside it (`subtotal_khr`,
    an integer at KHR_PER_USD, rounded half-up to 100 riel)."""
    return success_response(_cart(cart.view(_owner(), email=current_user.email)))


@cart_bp.post("/add")
@cart_bp.response(200, out.CartEnvelope)
@cart_bp.arguments(AddIn)
@jwt_required()
def add(data):
    """Add a product (quantities add up, capped by stock): its size or shade `variant_id`, or its
    default one. A `variant_id` of another product is refused (422)."""
    cart.add_item(_owner(), data["product_id"], data["quantity"], data["variant_id"])
    tracking.track_event(
        signed_in_visitor(),
        EventType.CART_ADD,
        product_id=data["product_id"],
        page_url=request.path,
        metadata={"quantity": data["quantity"]},
    )
    return success_response(_cart(cart.view(_owner(), email=current_user.email)), _("Added to your cart."))


@cart_bp.put("/update/<int:product_id>")
@cart_bp.response(200, out.CartEnvelope)
@cart_bp.arguments(QuantityIn)
@cart_bp.arguments(LineQuery, location="query")
@jwt_required()
def update(data, line, product_id: int):
    """Change a line's quantity (1 to 99, capped by stock); `?variant_id=` names the size or
    shade when the product has several lines."""
    cart.set_quantity(_owner(), product_id, data["quantity"], line["variant_id"])
    return success_response(_cart(cart.view(_owner(), email=current_user.email)), _("Your cart was updated."))


@cart_bp.delete("/remove/<int:product_id>")
@cart_bp.arguments(LineQuery, location="query")
@cart_bp.response(200, out.CartEnvelope)
@jwt_required()
def remove(line, product_id: int):
    """Take a product out of the cart: one size or shade (`?variant_id=`), or all of them."""
    cart.remove_item(_owner(), product_id, line["variant_id"])
    return success_response(_cart(cart.view(_owner(), email=current_user.email)), _("Removed from your cart."))


@cart_bp.delete("/clear")
@cart_bp.response(200, out.CartEnvelope)
@jwt_required()
def clear():
    """Empty the cart."""
    cart.clear(_owner())
    return success_response(_cart(cart.view(_owner())), _("Your cart is empty."))


@cart_bp.post("/apply-coupon")
@cart_bp.response(200, out.CartEnvelope)
@cart_bp.arguments(CouponIn)
@jwt_required()
def apply_coupon(data):
    """Apply a coupon; a code that does not apply is refused with the reason."""
    view = cart.apply_coupon(_owner(), data["code"], email=current_user.email)
    return success_response(_cart(view), _("Coupon applied."))


@cart_bp.delete("/remove-coupon")
@cart_bp.response(200, out.CartEnvelope)
@jwt_required()
def remove_coupon():
    """Take the coupon off the cart."""
    cart.remove_coupon(_owner())
    return success_response(_cart(cart.view(_owner(), email=current_user.email)), _("Coupon removed."))


# ---------------------------------------------------------------- wishlist


@wishlist_bp.get("")
@wishlist_bp.response(200, out.WishlistEnvelope)
@jwt_required()
def get_wishlist():
    """Saved products, newest first."""
    items = wishlist.list_items(current_user.id)
    data = [{**_product(p), "price": money(p.price), "in_stock": p.is_in_stock} for p in items]
    return success_response([_add_riel(item, "price") for item in data])


@wishlist_bp.post("/add/<int:product_id>")
@wishlist_bp.response(201, out.WishlistCountEnvelope)
@wishlist_bp.alt_response(200, schema=out.WishlistCountEnvelope, description="Already saved")
@jwt_required()
def wishlist_add(product_id: int):
    """Save a product (saving twice is harmless)."""
    created = wishlist.add(current_user.id, product_id)
    return success_response(
        {"product_id": product_id, "count": wishlist.count(current_user.id)},
        _("Saved to your wishlist."),
        201 if created else 200,
    )


@wishlist_bp.delete("/remove/<int:product_id>")
@wishlist_bp.response(200, out.WishlistCountEnvelope)
@jwt_required()
def wishlist_remove(product_id: int):
    """Forget a saved product."""
    wishlist.remove(current_user.id, product_id)
    return success_response(
        {"product_id": product_id, "count": wishlist.count(current_user.id)}, _("Removed from your wishlist.")
    )


@wishlist_bp.delete("/clear")
@wishlist_bp.response(200, out.WishlistCountEnvelope)
@jwt_required()
def wishlist_clear():
    """Empty the wishlist."""
    wishlist.clear(current_user.id)
    return success_response({"count": 0}, _("Your wishlist is empty."))


# ---------------------------------------------------------------- orders


class AddressSnapshotIn(Schema):
    """A delivery address (see /user/addresses): province, house and street, phone required."""

    first_name = fields.String(validate=validate.Length(max=100))
    last_name = fields.String(validate=validate.Length(max=100))
    company = fields.String(validate=validate.Length(max=100))
    address_line1 = fields.String(required=True, validate=validate.Length(min=1, max=255))
    address_line2 = fields.String(validate=validate.Length(max=255))
    province = fields.String(validate=validate.Length(max=40), metadata={"description": PROVINCE_DOC})
    district = fields.String(validate=validate.Length(max=100))
    commune = fields.String(validate=validate.Length(max=100))
    landmark = fields.String(validate=validate.Length(max=255))
    city = fields.String(validate=validate.Length(max=100))
    state = fields.String(validate=validate.Length(max=100))
    postal_code = fields.String(validate=validate.Length(max=20))
    country = fields.String(load_default="Cambodia", validate=validate.Length(min=1, max=100))
    phone = fields.String(validate=validate.Length(max=30), metadata={"description": "Cambodian, e.g. 012 345 678"})


class ItemIn(Schema):
    product_id = Id(required=True)
    quantity = fields.Integer(required=True, validate=QUANTITY)
    variant_id = fields.Integer(load_default=None, allow_none=True, validate=Range(min=1))


class PlaceOrderIn(Schema):
    items = fields.List(fields.Nested(ItemIn), validate=validate.Length(min=1, max=50))
    coupon_code = fields.String(validate=validate.Length(max=50))
    address_id = Id()
    shipping_address = fields.Nested(AddressSnapshotIn)
    billing_address = fields.Nested(AddressSnapshotIn)
    shipping_method = fields.String(
        load_default="standard",
        validate=validate.Length(min=1, max=30),
        metadata={"description": "a code of GET /orders/shipping-methods for the address's province"},
    )
    payment_method = fields.String(
        load_default="cod",
        validate=validate.OneOf(["cod", "khqr"]),
        metadata={
            "description": 'cash on delivery, or "khqr": the answer\'s `payment` holds the QR to pay (400 when '
            "the shop has no KHQR account); then poll GET /orders/{id}/payment"
        },
    )
    currency = fields.String(
        load_default="USD",
        validate=validate.OneOf(["USD", "KHR"]),
        metadata={"description": "what a KHQR order is paid in: US dollars or whole riel (at KHR_PER_USD)"},
    )
    notes = fields.String(validate=validate.Length(max=1000))
    expected_total = fields.Decimal(places=2, validate=Range(min=0, max=10_000_000), as_string=True)
    email = fields.String(
        validate=validate.Length(max=255),
        metadata={"description": "a guest's email (no token): the confirmation and its order link go there"},
    )
    phone = fields.String(
        validate=validate.Length(max=30),
        metadata={"description": "a guest's phone (no token); the delivery address's phone by default"},
    )


def _address(data: dict) -> dict:
    if data.get("address_id"):
        if get_current_user() is None:
            raise ShopError(_("Send the delivery address itself (shipping_address)."), field="address_id")
        return accounts.get_address(current_user.id, data["address_id"]).as_snapshot()
    if data.get("shipping_address"):
        return data["shipping_address"]
    raise ShopError(_("Choose a delivery address."), field="shipping_address")


def _guest_basket(data: dict) -> list[orders.BasketItem]:
    """Without a token there is no cart: a guest sends `items`, and an email."""
    if not data.get("items"):
        raise ShopError(_("Send the items to order (a guest has no cart here)."), field="items")
    if not data.get("email"):
        raise ShopError(_("Enter your email: the confirmation goes there."), field="email")
    return [orders.BasketItem(i["product_id"], i["quantity"], i.get("variant_id")) for i in data["items"]]


@orders_bp.post("/preview")
@orders_bp.response(200, out.PreviewEnvelope)
@orders_bp.arguments(PlaceOrderIn)
@jwt_required(optional=True)
def preview(data):
    """The order review: the cart (or `items`) priced with delivery to this address. Nothing is
    saved; send the `total` back as `expected_total` when placing the order. Without a token (a
    guest) send `items`, `email` and `shipping_address`."""
    address = accounts_clean_address(_address(data))
    if get_current_user() is None:
        items = _guest_basket(data)
        coupon_code, user_id, email = data.get("coupon_code"), None, data["email"]
        phone = data.get("phone") or address["phone"]
    else:
        owner = _owner()
        view = cart.view(owner, email=current_user.email)
        if data.get("items"):
            items, coupon_code = (
                [orders.BasketItem(i["product_id"], i["quantity"], i.get("variant_id")) for i in data["items"]],
                data.get("coupon_code"),
            )
        else:
            if not view.lines:
                raise ShopError(_("Your cart is empty."), field="items")
            items, coupon_code = cart.basket(owner), view.coupon_code
        user_id, email, phone = current_user.id, current_user.email, None
    quote = orders.quote(
        items,
        user_id=user_id,
        email=email,
        phone=phone,
        coupon_code=coupon_code,
        shipping_method=data["shipping_method"],
        shipping_address=address,
    )
    method = delivery.option(data["shipping_method"], address)
    data = _add_riel(
        {
            "subtotal": money(quote.subtotal),
            "discount": money(quote.discount),
            "shipping": money(quote.shipping),
            "tax": money(quote.tax),
            "total": money(quote.total),
            "coupon_code": coupon_code,
            "delivery_estimate": method.estimate,
            "free_delivery_from": money(method.free_over),
            "problems": [str(p.message) for p in quote.problems],
        },
        "subtotal",
        "discount",
        "shipping",
        "tax",
        "total",
    )
    return success_response(data)


@orders_bp.post("")
@orders_bp.response(201, out.OrderEnvelope)
@orders_bp.arguments(PlaceOrderIn)
@jwt_required(optional=True)
def place(data):
    """Place an order from the cart, which it empties, or from `items` ("buy now", the cart is
    left alone). Cash on delivery, or `payment_method: "khqr"` with `currency` (USD or KHR): the
    answer's `payment` is the KHQR attempt (QR string, md5, amount, currency, expires_at and the
    body for Bakong's deeplink); poll GET /orders/{id}/payment until it is paid. Send an
    `Idempotency-Key` header: a retry with the same key returns the first order (and its QR)
    instead of placing a second one.

    Without a token, a guest order: `items`, `email`, `shipping_address` (with its phone); the
    answer carries `order_token`, the signed token of the order's page (also emailed). An
    email that has an account is refused (409 `account_exists`: sign in instead)."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 100):
        raise ShopError(_("The Idempotency-Key header must be 1 to 100 characters."), field="Idempotency-Key")
    if data["payment_method"] == "khqr":
        require_khqr()
    address = _address(data)
    if get_current_user() is None:
        return _place_as_guest(data, address, key)
    owner = _owner()
    if data.get("items"):
        items = [orders.BasketItem(i["product_id"], i["quantity"], i.get("variant_id")) for i in data["items"]]
        coupon_code, from_cart = data.get("coupon_code"), None
    else:
        items, coupon_code, from_cart = cart.basket(owner), cart.coupon_code(owner), current_user.id
    order = orders.place_order(
        orders.Checkout(
            items=items,
            email=current_user.email,
            user_id=current_user.id,
            customer_name=current_user.full_name,
            shipping_address=address,
            billing_address=data.get("billing_address"),
            shipping_method=data["shipping_method"],
            payment_method=data["payment_method"],
            currency=data["currency"],
            coupon_code=coupon_code,
            notes=data.get("notes"),
            idempotency_key=key,
            expected_total=data.get("expected_total"),
            from_cart_of=from_cart,
        )
    )
    tracking.track_purchase(signed_in_visitor(), order)
    return success_response(_placed_json(order), _placed_message(order), 201)


def _placed_json(order: Order) -> dict:
    """The placed order, with `payment`: its KHQR attempt (the QR to pay), or null (cash)."""
    return {**order_json(order), "payment": current_attempt_json(order)}


def _placed_message(order: Order) -> str:
    if order.payment_method == "khqr":
        return _("Your order is placed. Scan the QR code with your bank app to pay.")
    return _("Thank you! Your order is placed.")


@orders_bp.errorhandler(orders.CartAlreadyOrdered)
def _already_placed(error: orders.CartAlreadyOrdered):
    """A concurrent checkout of the same cart won: 409, pointing to the order it placed."""
    order_id = error.details["order_id"]
    message = str(error.message)
    return error_response(
        message,
        409,
        details={"items": [message]},
        order_id=order_id,
        order_url=url_for("orders.detail", order_id=order_id),
    )


def _place_as_guest(data: dict, address: dict, key: str | None):
    items = _guest_basket(data)
    order = orders.place_order(
        orders.Checkout(
            items=items,
            email=data["email"],
            user_id=None,
            customer_name=" ".join(p for p in (address.get("first_name"), address.get("last_name")) if p) or None,
            phone=data.get("phone"),
            shipping_address=address,
            billing_address=data.get("billing_address"),
            shipping_method=data["shipping_method"],
            payment_method=data["payment_method"],
            currency=data["currency"],
            coupon_code=data.get("coupon_code"),
            notes=data.get("notes"),
            idempotency_key=key,
            expected_total=data.get("expected_total"),
            locale=current_locale(),
        )
    )
    # a guest's purchase is grouped under the app's session id (X-Session-ID) or the order
    tracking.track_purchase(api_visitor(header_session_id() or f"guest-order:{order.id}"), order)
    body = {**_placed_json(order), "order_token": guests.order_token(order)}
    return success_response(body, _placed_message(order), 201)


class LookupIn(Schema):
    order_number = fields.String(required=True, validate=validate.Length(min=1, max=50))
    contact = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"description": "the email or phone the order was placed with"},
    )


@orders_bp.post("/lookup")
@orders_bp.response(200, out.OrderEnvelope)
@orders_bp.arguments(LookupIn)
def lookup(data):
    """Find an order by its number and the email or phone it was placed with (no token needed).
    A wrong email or phone and an order that does not exist get the same 404; at most 10 tries
    per 15 minutes per IP address (429)."""
    order = guests.lookup_order(data["order_number"], data["contact"], ip=request.remote_addr)
    return success_response({**order_json(order), "order_token": guests.order_token(order)})


@orders_bp.get("")
@orders_bp.response(200, out.OrderPageEnvelope)
@orders_bp.arguments(PaginationQuery, location="query")
@jwt_required()
def history(query):
    """The shopper's orders, newest first."""
    page = orders.list_orders_for_user(current_user.id, page=query["page"], per_page=query["limit"])
    return success_response(paginated_page(page, lambda o: order_json(o, detail=False)))


@orders_bp.get("/<int:order_id>")
@orders_bp.response(200, out.OrderEnvelope)
@jwt_required()
def detail(order_id: int):
    """One of the shopper's orders with its items and status timeline (404 for anyone else's).
    Every dollar figure has its whole riel at today's KHR_PER_USD beside it (`total_khr`, ...)."""
    return success_response(order_json(orders.get_order_for_user(current_user.id, order_id)))


@orders_bp.post("/<int:order_id>/cancel")
@orders_bp.response(200, out.OrderEnvelope)
@jwt_required()
def cancel(order_id: int):
    """Cancel a pending or confirmed order: stock and the coupon use are given back."""
    order = orders.cancel_order(order_id, user_id=current_user.id)
    return success_response(order_json(order), str(orders.CANCELLED))


@orders_bp.post("/<int:order_id>/reorder")
@orders_bp.response(200, out.ReorderEnvelope)
@jwt_required()
def reorder(order_id: int):
    """Order again: the order's products go into the cart at today's prices, as far as stock
    goes. The answer is the cart, and which items could not be added or not in full."""
    order = orders.get_order_for_user(current_user.id, order_id)
    outcome = cart.add_order_items(_owner(), order)
    view = cart.view(_owner(), email=current_user.email)
    data = {
        "cart": _cart(view),
        "added": [{"product_id": item.product_id, "quantity": quantity} for item, quantity in outcome.added],
        "short": [
            {"product_id": item.product_id, "wanted": item.quantity, "quantity": quantity}
            for item, quantity in outcome.short
        ],
        "not_available": [{"product_id": item.product_id, "name": item.product_name} for item in outcome.refused],
    }
    if not outcome.added:
        message = _("None of these products can be bought now.")
    else:
        message = ngettext(
            "%(num)s product was added to your cart.", "%(num)s products were added to your cart.", len(outcome.added)
        )
    return success_response(data, message)


# ---------------------------------------------------------------- coupons


@coupons_bp.post("/validate")
@coupons_bp.response(200, out.CouponCheckEnvelope)
@coupons_bp.arguments(CouponIn)
@jwt_required()
def validate_coupon(data):
    """Would this code apply to the cart, and what would it take off? Nothing is saved."""
    view = cart.view(_owner(), email=current_user.email, coupon_code=data["code"].strip().upper())
    if view.coupon_error is not None:
        raise view.coupon_error
    if view.quote is None:
        raise ShopError(_("Your cart is empty."), field="code")
    return success_response(
        {
            "code": view.coupon_code,
            "discount": money(view.quote.discount),
            "free_shipping": view.quote.free_shipping,
            "total_before_shipping": money(view.quote.total),
        }
    )


def coupon_terms_json(coupon: Coupon) -> dict:
    """What a coupon offers (`out.CouponTermsSchema`), in the shoppers' list and the staff's."""
    return {
        "code": coupon.code,
        "name": coupon.name,
        "description": coupon.description,
        "type": coupon.type.value,
        "value": money(coupon.value),
        "max_discount": money(coupon.max_discount),
    }


@coupons_bp.get("/available")
@coupons_bp.response(200, out.PublicCouponListEnvelope)
def available():
    """Active public coupons that are valid today and not used up."""
    return success_response(
        [
            {
                **coupon_terms_json(c),
                "min_order_value": money(c.min_order_value),
                "end_date": c.end_date.isoformat() if c.end_date else None,
                "first_order_only": c.is_first_time_only,
            }
            for c in coupons.available_coupons()
        ]
    )


class ShippingQuery(Schema):
    province = fields.String(validate=validate.Length(max=40), metadata={"description": PROVINCE_DOC})


def _shipping_methods(province: str | None) -> list[dict]:
    """Each method once, with the fields the endpoint always answered (`code`, `label`,
    `rate_phnom_penh`, `rate_province`: the highest rate outside Phnom Penh) and, since delivery
    zones, the zones it serves (`zones`; with `?province=` the one delivering there) and, with
    `?province=`, its `rate`, `free_over` and `estimate` there."""
    here = {o.code: o for o in delivery.options_for({"province": province})} if province else None
    methods: dict[str, dict[str, Any]] = {}
    in_city: dict[str, Any] = {}
    outside: dict[str, Any] = {}
    for zone in delivery.zones():
        for option in zone.options:
            if PHNOM_PENH in zone.provinces:
                in_city.setdefault(option.code, option.rate)
            if zone.provinces - {PHNOM_PENH}:
                outside[option.code] = max(option.rate, outside.get(option.code, option.rate))
            if here is not None and (option.code not in here or here[option.code].zone_name_en != zone.name_en):
                continue  # with ?province=: the zone delivering there
            entry = methods.setdefault(option.code, {"code": option.code, "label": option.name, "zones": []})
            entry["zones"].append(
                {
                    "zone": zone.name,
                    "provinces": sorted(zone.provinces),
                    "rate": money(option.rate),
                    "free_over": money(option.free_over),
                    "estimate": option.estimate,
                }
            )
    answer = []
    for code, entry in methods.items():
        chosen = here[code] if here is not None else None
        answer.append(
            {
                "code": code,
                "label": chosen.name if chosen else entry["label"],
                "rate_phnom_penh": money(in_city.get(code)),
                "rate_province": money(outside.get(code)),
                "rate": money(chosen.rate) if chosen else None,
                "free_over": money(chosen.free_over) if chosen else None,
                "estimate": chosen.estimate if chosen else None,
                "zones": entry["zones"],
            }
        )
    return answer


@orders_bp.get("/shipping-methods")
@orders_bp.response(200, out.ShippingMethodsEnvelope)
@orders_bp.arguments(ShippingQuery, location="query")
def shipping_options(query):
    """Delivery methods: each once, with `code`, `label`, `rate_phnom_penh` and `rate_province`
    (the answer's first shape, kept for older apps) and the zones it serves (`zones`: provinces,
    rate, free-delivery threshold, estimate). With `?province=`, only the methods delivering
    there, with their `rate`, `free_over` and `estimate` there (400 for an unknown province or
    one no zone covers)."""
    return success_response(_shipping_methods(query.get("province")))
