"""What the shopper endpoints answer, for the OpenAPI document: accounts and tokens, addresses,
the cart, the wishlist, orders, coupons and the shopper's reviews.

Each `...Envelope` is the full answer (`{success, message, data}`); the views build the data
(`api.shopping.order_json`, ...) and schemathesis checks them against these (tests/api/test_contract.py).
`UserSchema` and `AddressSchema` also dump the models (api.accounts, api.admin_customers), so what
the document says of a user or an address is what is sent.
A schema's properties stand in the document in the order of its fields: a parent's first, and with
two parents, the last one's first (`class C(A, B)`: B's, A's, then C's own).
Every amount is `api.fields.Money` (a string such as "12.50"); every `<amount>_khr` beside one
is whole riel at today's KHR_PER_USD.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from api.fields import Money
from api.schemas import envelope, page_envelope

RIEL = {"description": "Whole riel at KHR_PER_USD, half-up to 100 riel", "example": 51300}


def riel(**kwargs) -> fields.Integer:
    return fields.Integer(metadata=RIEL, **kwargs)


class Out(Schema):
    """An answer's object: the fields listed are always there; a later version may add more."""

    class Meta:
        unknown = EXCLUDE


class Identified(Out):
    """An answer's object with its `id`."""

    id = fields.Integer(required=True)


# ---------------------------------------------------------------- accounts


class UserSchema(Out):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    date_of_birth = fields.Date(allow_none=True)
    gender = fields.String(allow_none=True)
    skin_type = fields.String()
    language = fields.String(metadata={"description": "en or kh (the seed's code for Khmer)"})
    role = fields.String(metadata={"enum": ["customer", "admin", "moderator"]})
    email_verified = fields.Boolean()
    total_orders = fields.Integer()
    total_spent = Money()
    created_at = fields.DateTime()


class TokensSchema(Out):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"enum": ["Bearer"]})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds the access token lives"})


class SignedInSchema(Out):
    user = fields.Nested(UserSchema, required=True)
    tokens = fields.Nested(TokensSchema, required=True)


class TokensOnlySchema(Out):
    tokens = fields.Nested(TokensSchema, required=True)


class AddressSchema(Out):
    id = fields.Integer(required=True)
    type = fields.String()
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    address_line1 = fields.String()
    address_line2 = fields.String(allow_none=True)
    province = fields.String(allow_none=True, metadata={"description": "ISO 3166-2:KH code"})
    district = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)
    landmark = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    country = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": "E.164, e.g. +85512345678"})
    is_default = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


SignedInEnvelope = envelope("SignedInEnvelope", SignedInSchema)
TokensEnvelope = envelope("TokensEnvelope", TokensOnlySchema)
UserEnvelope = envelope("UserEnvelope", UserSchema)
AddressEnvelope = envelope("AddressEnvelope", AddressSchema)
AddressListEnvelope = envelope("AddressListEnvelope", AddressSchema, many=True)


# ---------------------------------------------------------------- cart and wishlist


class ProductRefSchema(Out):
    id = fields.Integer(required=True)
    slug = fields.String()
    name = fields.String(metadata={"description": "In the request's language"})
    image_url = fields.String(allow_none=True)


class CartLineSchema(ProductRefSchema):
    product_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True)
    unit_price = Money(required=True, metadata={"description": "Today's price"})
    unit_price_khr = riel()
    line_total = Money(required=True)
    line_total_khr = riel()
    price_at_add = Money(allow_none=True, metadata={"description": "The price when it was added"})
    price_at_add_khr = riel(allow_none=True)
    price_changed = fields.Boolean()
    notices = fields.List(fields.String(), metadata={"description": "Translated notes (capped by stock, ...)"})


class CartSchema(Out):
    items = fields.List(fields.Nested(CartLineSchema), required=True)
    unavailable = fields.List(fields.Nested(ProductRefSchema), metadata={"description": "Withdrawn products"})
    count = fields.Integer(required=True)
    coupon_code = fields.String(allow_none=True)
    coupon_error = fields.String(allow_none=True, metadata={"description": "Why the coupon no longer applies"})
    subtotal = Money(required=True)
    subtotal_khr = riel()
    discount = Money(required=True)
    discount_khr = riel()
    tax = Money(required=True)
    tax_khr = riel()
    total_before_shipping = Money(
        required=True, metadata={"description": "Delivery depends on the address: POST /orders/preview"}
    )
    total_before_shipping_khr = riel()


class WishlistItemSchema(ProductRefSchema):
    price = Money(required=True)
    price_khr = riel()
    in_stock = fields.Boolean()


class WishlistCountSchema(Out):
    product_id = fields.Integer()
    count = fields.Integer(required=True)


CartEnvelope = envelope("CartEnvelope", CartSchema)
WishlistEnvelope = envelope("WishlistEnvelope", WishlistItemSchema, many=True)
WishlistCountEnvelope = envelope("WishlistCountEnvelope", WishlistCountSchema)


# ---------------------------------------------------------------- orders


class OrderItemSchema(Out):
    product_id = fields.Integer(allow_none=True)
    product_name = fields.String(metadata={"description": "the product's English name when it was bought"})
    product_name_kh = fields.String(allow_none=True, metadata={"description": "its Khmer name then, if it had one"})
    product_sku = fields.String(allow_none=True)
    variant_id = fields.Integer(allow_none=True)
    variant_name = fields.String(allow_none=True, metadata={"description": 'the size or shade bought ("50 ml")'})
    variant_name_kh = fields.String(allow_none=True)
    variant_sku = fields.String(allow_none=True)
    quantity = fields.Integer()
    unit_price = Money()
    unit_price_khr = riel()
    total_price = Money()
    total_price_khr = riel()


class TimelineEntrySchema(Out):
    status = fields.String()
    at = fields.DateTime(allow_none=True)


class OrderSummarySchema(Out):
    id = fields.Integer(required=True)
    order_number = fields.String(required=True)
    status = fields.String(required=True)
    status_label = fields.String(metadata={"description": "In the request's language"})
    payment_status = fields.String()
    fulfillment_status = fields.String()
    subtotal = Money()
    subtotal_khr = riel()
    tax_amount = Money()
    tax_amount_khr = riel()
    shipping_amount = Money()
    shipping_amount_khr = riel()
    discount_amount = Money()
    discount_amount_khr = riel()
    total = Money(required=True)
    total_khr = riel()
    item_count = fields.Integer()
    created_at = fields.DateTime(allow_none=True)


class OrderSchema(OrderSummarySchema):
    items = fields.List(fields.Nested(OrderItemSchema))
    shipping_address = fields.Dict(allow_none=True, metadata={"description": "The address as ordered"})
    billing_address = fields.Dict(allow_none=True)
    payment_method = fields.String(allow_none=True)
    shipping_method = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema))
    can_cancel = fields.Boolean()
    order_token = fields.String(metadata={"description": "A guest's order: the signed token of the order's page"})


class PreviewSchema(Out):
    subtotal = Money(required=True)
    subtotal_khr = riel()
    discount = Money(required=True)
    discount_khr = riel()
    shipping = Money(required=True)
    shipping_khr = riel()
    tax = Money(required=True)
    tax_khr = riel()
    total = Money(required=True, metadata={"description": "Send it back as expected_total"})
    total_khr = riel()
    coupon_code = fields.String(allow_none=True)
    delivery_estimate = fields.String(allow_none=True)
    free_delivery_from = Money(allow_none=True)
    problems = fields.List(fields.String(), metadata={"description": "What stops the order (translated)"})


class ReorderAddedSchema(Out):
    product_id = fields.Integer(allow_none=True)
    quantity = fields.Integer()


class ReorderShortSchema(ReorderAddedSchema):
    wanted = fields.Integer()


class ReorderRefusedSchema(Out):
    product_id = fields.Integer(allow_none=True)
    name = fields.String()


class ReorderSchema(Out):
    cart = fields.Nested(CartSchema, required=True)
    added = fields.List(fields.Nested(ReorderAddedSchema))
    short = fields.List(fields.Nested(ReorderShortSchema), metadata={"description": "Added, but not in full"})
    not_available = fields.List(fields.Nested(ReorderRefusedSchema))


class ZoneRateSchema(Out):
    zone = fields.String(required=True, metadata={"description": "The delivery zone's name"})
    provinces = fields.List(fields.String(), required=True, metadata={"description": "ISO 3166-2:KH codes"})
    rate = Money(required=True)
    free_over = Money(allow_none=True)
    estimate = fields.String()


class ShippingMethodSchema(Out):
    """One delivery method. `code`, `label`, `rate_phnom_penh` and `rate_province` are what the
    endpoint has always answered; the rest came with delivery zones."""

    code = fields.String(required=True)
    label = fields.String(required=True)
    rate_phnom_penh = Money(allow_none=True, metadata={"description": "The rate in Phnom Penh (null: not offered)"})
    rate_province = Money(
        allow_none=True,
        metadata={"description": "The highest rate outside Phnom Penh (null: not offered there)"},
    )
    rate = Money(allow_none=True, metadata={"description": "With ?province=: the rate there; otherwise null"})
    free_over = Money(allow_none=True, metadata={"description": "With ?province=: free delivery from this subtotal"})
    estimate = fields.String(allow_none=True, metadata={"description": "With ?province=: the delivery estimate"})
    zones = fields.List(fields.Nested(ZoneRateSchema), required=True, metadata={"description": "Where it delivers"})


class CouponCheckSchema(Out):
    code = fields.String(required=True)
    discount = Money(required=True)
    free_shipping = fields.Boolean()
    total_before_shipping = Money()


class CouponTermsSchema(Out):
    """What a coupon offers, in the shoppers' list and the staff's (api.staff_schemas)."""

    code = fields.String(required=True)
    name = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    type = fields.String()
    value = Money(allow_none=True)
    max_discount = Money(allow_none=True)


class PublicCouponSchema(CouponTermsSchema):
    min_order_value = Money(allow_none=True)
    end_date = fields.Date(allow_none=True)
    first_order_only = fields.Boolean()


OrderEnvelope = envelope("OrderEnvelope", OrderSchema)
OrderPageEnvelope = page_envelope("OrderPage", OrderSummarySchema)
PreviewEnvelope = envelope("OrderPreviewEnvelope", PreviewSchema)
ReorderEnvelope = envelope("ReorderEnvelope", ReorderSchema)
ShippingMethodsEnvelope = envelope("ShippingMethodsEnvelope", ShippingMethodSchema, many=True)
CouponCheckEnvelope = envelope("CouponCheckEnvelope", CouponCheckSchema)
PublicCouponListEnvelope = envelope("PublicCouponListEnvelope", PublicCouponSchema, many=True)


# ---------------------------------------------------------------- reviews


class ReviewProductSchema(Out):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()


class OwnReviewSchema(Out):
    id = fields.Integer(required=True)
    product_id = fields.Integer()
    user_id = fields.Integer(allow_none=True)
    rating = fields.Integer()
    title = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    customer_name = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["pending", "approved", "rejected"]})
    is_verified_purchase = fields.Boolean()
    helpful_count = fields.Integer()
    created_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    product = fields.Nested(ReviewProductSchema, metadata={"description": "In lists of reviews"})


class HelpfulSchema(Out):
    review_id = fields.Integer()
    helpful_count = fields.Integer()


OwnReviewEnvelope = envelope("OwnReviewEnvelope", OwnReviewSchema)
OwnReviewPageEnvelope = page_envelope("OwnReviewPage", OwnReviewSchema)
HelpfulEnvelope = envelope("HelpfulEnvelope", HelpfulSchema)
