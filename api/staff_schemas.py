"""What the staff endpoints (/api/v1/admin/*) answer, for the OpenAPI document: products,
categories, orders, the dashboard and reports, reviews, customers and coupons.
Amounts are `api.fields.Money` strings ("12.50")."""

from __future__ import annotations

from marshmallow import fields

from api.fields import Money
from api.schemas import envelope, page_envelope
from api.shopper_schemas import (
    AddressSchema,
    CouponTermsSchema,
    Identified,
    OrderSchema,
    OrderSummarySchema,
    Out,
    OwnReviewSchema,
    TimelineEntrySchema,
    UserSchema,
)

# ---------------------------------------------------------------- products and categories


class UploadedImageSchema(Out):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    thumbnail_url = fields.String(allow_none=True)


class StaffImageSchema(UploadedImageSchema):
    alt_text = fields.String(allow_none=True)
    is_primary = fields.Boolean()
    sort_order = fields.Integer()


class StaffProductSchema(Out):
    id = fields.Integer(required=True)
    name_en = fields.String(required=True)
    name_kh = fields.String(allow_none=True)
    slug = fields.String()
    sku = fields.String()
    barcode = fields.String(allow_none=True)
    brand = fields.String(allow_none=True)
    size = fields.String(allow_none=True)
    meta_title = fields.String(allow_none=True)
    short_description = fields.String(allow_none=True)
    description_en = fields.String(allow_none=True)
    description_kh = fields.String(allow_none=True)
    usage_instructions = fields.String(allow_none=True)
    meta_description = fields.String(allow_none=True)
    price = Money(required=True)
    compare_at_price = Money(allow_none=True)
    cost_price = Money(allow_none=True)
    stock = fields.Integer()
    track_inventory = fields.Boolean()
    allow_backorders = fields.Boolean()
    is_featured = fields.Boolean()
    skin_type = fields.String(allow_none=True)
    skin_concerns = fields.List(fields.String(), allow_none=True)
    ingredients = fields.List(fields.String(), allow_none=True)
    status = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    category_ids = fields.List(fields.Integer())
    image_url = fields.String(allow_none=True)
    url = fields.String()
    created_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    images = fields.List(fields.Nested(StaffImageSchema), metadata={"description": "One product only"})


class DeletedSchema(Out):
    deleted = fields.List(fields.Integer(), metadata={"description": "Ids deleted"})
    archived = fields.List(fields.Integer(), metadata={"description": "Ids archived (ordered before)"})


class ProductChangeSchema(Out):
    id = fields.Integer(required=True)
    status = fields.String()
    is_featured = fields.Boolean()
    price = Money()


class StaffCategorySchema(Out):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    name_kh = fields.String(allow_none=True)
    slug = fields.String()
    description = fields.String(allow_none=True)
    description_kh = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    sort_order = fields.Integer(allow_none=True)
    image_url = fields.String(allow_none=True)
    depth = fields.Integer(metadata={"description": "In the tree listing"})
    products = fields.Integer(metadata={"description": "In the tree listing: how many products"})
    children = fields.Integer(metadata={"description": "In the tree listing: how many subcategories"})


StaffProductEnvelope = envelope("StaffProductEnvelope", StaffProductSchema)
StaffProductPageEnvelope = page_envelope("StaffProductPage", StaffProductSchema)
DeletedEnvelope = envelope("DeletedEnvelope", DeletedSchema)
ProductChangesEnvelope = envelope("ProductChangesEnvelope", ProductChangeSchema, many=True)
UploadedImageEnvelope = envelope("UploadedImageEnvelope", UploadedImageSchema)
StaffCategoryEnvelope = envelope("StaffCategoryEnvelope", StaffCategorySchema)
StaffCategoryListEnvelope = envelope("StaffCategoryListEnvelope", StaffCategorySchema, many=True)


# ---------------------------------------------------------------- orders


class RefundSchema(Out):
    id = fields.Integer()
    amount = Money()
    reason = fields.String(allow_none=True)
    restocked = fields.Boolean()
    created_at = fields.DateTime(allow_none=True)


class StaffTimelineEntrySchema(TimelineEntrySchema):
    note = fields.String(allow_none=True)
    actor_id = fields.Integer(allow_none=True)
    from_ = fields.String(allow_none=True, data_key="from")


class StaffOrderFields(Out):
    customer_name = fields.String(allow_none=True)
    customer_email = fields.String(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    payment_status_label = fields.String()
    fulfillment_status_label = fields.String()


class StaffOrderSummarySchema(OrderSummarySchema, StaffOrderFields):
    pass


class StaffOrderSchema(OrderSchema, StaffOrderFields):
    refunds = fields.List(fields.Nested(RefundSchema))
    refunded_total = Money()
    timeline = fields.List(fields.Nested(StaffTimelineEntrySchema))


class BulkOutcomeSchema(Out):
    id = fields.Integer(required=True)
    ok = fields.Boolean(required=True)
    message = fields.String(allow_none=True)


StaffOrderEnvelope = envelope("StaffOrderEnvelope", StaffOrderSchema)
StaffOrderPageEnvelope = page_envelope("StaffOrderPage", StaffOrderSummarySchema)
BulkOutcomesEnvelope = envelope("BulkOutcomesEnvelope", BulkOutcomeSchema, many=True)


# ---------------------------------------------------------------- dashboard and reports


class PeriodStatsSchema(Out):
    days = fields.Integer()
    revenue = Money()
    orders = fields.Integer()
    customers = fields.Integer()
    average_order_value = Money()


class LowStockSchema(Out):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    stock = fields.Integer()


class DashboardStatsSchema(Out):
    periods = fields.List(fields.Nested(PeriodStatsSchema), metadata={"description": "Admins only"})
    low_stock = fields.List(fields.Nested(LowStockSchema), metadata={"description": "Admins only"})
    pending_reviews = fields.Integer(required=True)


class RecentOrderSchema(Out):
    id = fields.Integer()
    order_number = fields.String()
    customer_email = fields.String(allow_none=True)
    status = fields.String()
    payment_status = fields.String()
    total = Money()
    created_at = fields.DateTime(allow_none=True)


class TopProductSchema(Out):
    product_id = fields.Integer(allow_none=True)
    name = fields.String()
    units = fields.Integer()
    revenue = Money()


class SalesPointSchema(Out):
    period = fields.Date()
    orders = fields.Integer()
    revenue = Money()


class CustomersPointSchema(Out):
    period = fields.Date()
    new = fields.Integer()
    returning = fields.Integer()


class ProductFunnelSchema(Out):
    product_id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)
    views = fields.Integer()
    purchases = fields.Integer()
    conversion_percent = fields.String(metadata={"example": "12.5"})


DashboardStatsEnvelope = envelope("DashboardStatsEnvelope", DashboardStatsSchema)
RecentOrdersEnvelope = envelope("RecentOrdersEnvelope", RecentOrderSchema, many=True)
TopProductsEnvelope = envelope("TopProductsEnvelope", TopProductSchema, many=True)
SalesEnvelope = envelope("SalesEnvelope", SalesPointSchema, many=True)
CustomersReportEnvelope = envelope("CustomersReportEnvelope", CustomersPointSchema, many=True)
ProductFunnelEnvelope = envelope(
    "ProductFunnelEnvelope",
    fields.List(
        fields.Nested(ProductFunnelSchema),
        required=True,
        allow_none=True,
        metadata={"description": "null when no views were recorded yet"},
    ),
)


# ---------------------------------------------------------------- reviews


class StaffReviewSchema(OwnReviewSchema):
    customer_email = fields.String(allow_none=True)


class BulkReviewsSchema(Out):
    ids = fields.List(fields.Integer(), required=True)
    status = fields.String(required=True)
    pending_count = fields.Integer()


StaffReviewEnvelope = envelope("StaffReviewEnvelope", StaffReviewSchema)
StaffReviewPageEnvelope = page_envelope(
    "StaffReviewPage", StaffReviewSchema, pending_count=fields.Integer(metadata={"description": "The queue's length"})
)
BulkReviewsEnvelope = envelope("BulkReviewsEnvelope", BulkReviewsSchema)
CustomerReviewPageEnvelope = page_envelope("CustomerReviewPage", OwnReviewSchema)


# ---------------------------------------------------------------- customers


class CustomerSchema(UserSchema):
    status = fields.String(metadata={"enum": ["active", "suspended"]})
    is_active = fields.Boolean()
    addresses = fields.List(fields.Nested(AddressSchema), metadata={"description": "One customer only"})


class CustomerDeletedSchema(Out):
    id = fields.Integer(required=True)
    outcome = fields.String(required=True, metadata={"enum": ["deleted", "anonymised"]})


CustomerEnvelope = envelope("CustomerEnvelope", CustomerSchema)
CustomerPageEnvelope = page_envelope("CustomerPage", CustomerSchema)
CustomerDeletedEnvelope = envelope("CustomerDeletedEnvelope", CustomerDeletedSchema)
CustomerOrderPageEnvelope = page_envelope("CustomerOrderPage", OrderSummarySchema)


# ---------------------------------------------------------------- coupons


class CouponStatsSchema(Out):
    uses = fields.Integer()
    discount_given = Money()
    orders = fields.Integer()
    revenue = Money()


class StaffCouponSchema(CouponTermsSchema, Identified):
    """The id, the terms, then the rules (the document keeps that order: see api.shopper_schemas)."""

    usage_limit = fields.Integer(allow_none=True)
    used_count = fields.Integer()
    usage_limit_per_user = fields.Integer(allow_none=True)
    min_order_value = Money(allow_none=True)
    applicable_products = fields.List(fields.Integer())
    applicable_categories = fields.List(fields.Raw())
    status = fields.String()
    is_first_time_only = fields.Boolean()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    stats = fields.Nested(CouponStatsSchema, metadata={"description": "One coupon, and the overview's top"})


class CouponOverviewSchema(CouponStatsSchema):
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    top = fields.List(fields.Nested(StaffCouponSchema))


class CouponUseSchema(Out):
    id = fields.Integer()
    used_at = fields.DateTime(allow_none=True)
    discount_amount = Money(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    user_email = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    order_number = fields.String(allow_none=True)
    order_total = Money(allow_none=True)
    order_status = fields.String(allow_none=True)


StaffCouponEnvelope = envelope("StaffCouponEnvelope", StaffCouponSchema)
StaffCouponPageEnvelope = page_envelope("StaffCouponPage", StaffCouponSchema)
StaffCouponListEnvelope = envelope("StaffCouponListEnvelope", StaffCouponSchema, many=True)
CouponOverviewEnvelope = envelope("CouponOverviewEnvelope", CouponOverviewSchema)
CouponUsePageEnvelope = page_envelope("CouponUsePage", CouponUseSchema)
