"""The seed's schema: every table, enum, check and index of the design document.

Deliberate differences from the seed's SQL, all stricter: timestamps are TIMESTAMPTZ (the seed
has DATE for products, orders, reviews and coupons, which cannot order a day's sales); money is
NUMERIC(12,2); flags, counters and statuses that have a default are NOT NULL.

PostgreSQL gets native ENUM types and the seed's regex email check. SQLite gets CHECKs for the
enums, a GLOB email check, and a total check to within half a cent (it stores NUMERIC as REAL).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

EMAIL_REGEX = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
ENUMS = (
    "user_role",
    "user_language",
    "skin_type",
    "product_status",
    "order_status",
    "payment_status",
    "fulfillment_status",
    "review_status",
    "coupon_type",
    "coupon_status",
)
TABLES = (
    "wishlists",
    "coupon_usage",
    "coupons",
    "reviews",
    "shopping_cart",
    "order_items",
    "orders",
    "product_images",
    "product_categories",
    "products",
    "categories",
    "user_addresses",
    "users",
)


def is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def email_check() -> sa.CheckConstraint:
    if is_postgresql():
        return sa.CheckConstraint(sa.text(f"email ~* '{EMAIL_REGEX}'"), name="valid_email")
    return sa.CheckConstraint("email GLOB '?*@?*.?*' AND email NOT GLOB '*[ ]*'", name="valid_email")


def total_check() -> sa.CheckConstraint:
    if is_postgresql():
        return sa.CheckConstraint(
            "total = subtotal + tax_amount + shipping_amount - discount_amount", name="valid_total"
        )
    return sa.CheckConstraint(
        "abs(total - (subtotal + tax_amount + shipping_amount - discount_amount)) < 0.005", name="valid_total"
    )


def upgrade():
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_categories_slug")),
    )
    op.create_table(
        "coupons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "type",
            sa.Enum("percentage", "fixed", "free_shipping", name="coupon_type", create_constraint=True),
            nullable=False,
        ),
        sa.Column("value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("max_discount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("usage_limit_per_user", sa.Integer(), server_default="1", nullable=True),
        sa.Column("min_order_value", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("applicable_products", sa.ARRAY(sa.Integer()).with_variant(sa.JSON(), "sqlite"), nullable=True),
        sa.Column("applicable_categories", sa.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite"), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "inactive", "expired", name="coupon_status", create_constraint=True),
            server_default="active",
            nullable=False,
        ),
        sa.Column("is_first_time_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.CheckConstraint(
            "(type = 'percentage' AND value >= 0 AND value <= 100) OR (type IN ('fixed', 'free_shipping') AND value >= 0)",
            name="valid_coupon_value",
        ),
        sa.CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR start_date <= end_date", name="valid_coupon_dates"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("code", name=op.f("uq_coupons_code")),
    )
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.create_index("idx_coupons_code", ["code"], unique=False)
        batch_op.create_index("idx_coupons_dates", ["start_date", "end_date"], unique=False)
        batch_op.create_index(
            "idx_coupons_status",
            ["status"],
            unique=False,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=False),
        sa.Column("name_kh", sa.String(length=255), nullable=True),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("description_kh", sa.Text(), nullable=True),
        sa.Column("short_description", sa.Text(), nullable=True),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("barcode", sa.String(length=100), nullable=True),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("compare_at_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("cost_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("stock", sa.Integer(), server_default="0", nullable=False),
        sa.Column("track_inventory", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("allow_backorders", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column(
            "dimensions", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "skin_type",
            sa.Enum(
                "oily", "dry", "combination", "sensitive", "normal", "all", name="skin_type", create_constraint=True
            ),
            server_default="all",
            nullable=False,
        ),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("skin_concerns", sa.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite"), nullable=True),
        sa.Column(
            "ingredients", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("usage_instructions", sa.Text(), nullable=True),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("meta_title", sa.String(length=255), nullable=True),
        sa.Column("meta_description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "active", "archived", name="product_status", create_constraint=True),
            server_default="active",
            nullable=False,
        ),
        sa.Column("is_featured", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("compare_at_price IS NULL OR compare_at_price >= price", name="valid_compare_price"),
        sa.CheckConstraint("price > 0", name="positive_price"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
        sa.UniqueConstraint("slug", name=op.f("uq_products_slug")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("idx_products_category", ["category"], unique=False)
        batch_op.create_index("idx_products_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "idx_products_featured",
            ["is_featured"],
            unique=False,
            postgresql_where=sa.text("is_featured = true"),
            sqlite_where=sa.text("is_featured = 1"),
        )
        batch_op.create_index("idx_products_skin_type", ["skin_type"], unique=False)
        batch_op.create_index(
            "idx_products_status",
            ["status"],
            unique=False,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column(
            "skin_type",
            sa.Enum(
                "oily", "dry", "combination", "sensitive", "normal", "all", name="skin_type", create_constraint=True
            ),
            server_default="normal",
            nullable=False,
        ),
        sa.Column(
            "language",
            sa.Enum("en", "kh", name="user_language", create_constraint=True),
            server_default="en",
            nullable=False,
        ),
        sa.Column(
            "role",
            sa.Enum("customer", "admin", "moderator", name="user_role", create_constraint=True),
            server_default="customer",
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("email_verification_token", sa.String(length=255), nullable=True),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_reset_token", sa.String(length=255), nullable=True),
        sa.Column("password_reset_expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total_orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total_spent", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("avg_rating", sa.Numeric(precision=3, scale=2), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        email_check(),
        sa.CheckConstraint("gender IN ('male', 'female', 'other')", name="valid_gender"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("idx_users_email", ["email"], unique=False)
        batch_op.create_index(
            "idx_users_password_reset_token",
            ["password_reset_token"],
            unique=False,
            postgresql_where=sa.text("password_reset_token IS NOT NULL"),
            sqlite_where=sa.text("password_reset_token IS NOT NULL"),
        )
        batch_op.create_index("idx_users_role", ["role"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_number", sa.String(length=50), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("customer_name", sa.String(length=255), nullable=True),
        sa.Column("customer_email", sa.String(length=255), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("tax_amount", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("shipping_amount", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("discount_amount", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "processing",
                "shipped",
                "delivered",
                "cancelled",
                "refunded",
                name="order_status",
                create_constraint=True,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column(
            "payment_status",
            sa.Enum(
                "pending",
                "paid",
                "partially_paid",
                "refunded",
                "partially_refunded",
                "failed",
                name="payment_status",
                create_constraint=True,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column(
            "fulfillment_status",
            sa.Enum(
                "unfulfilled",
                "partial",
                "fulfilled",
                "shipped",
                "delivered",
                name="fulfillment_status",
                create_constraint=True,
            ),
            server_default="unfulfilled",
            nullable=False,
        ),
        sa.Column(
            "shipping_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "billing_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        total_check(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_orders_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("order_number", name=op.f("uq_orders_order_number")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("idx_orders_created_at", ["created_at"], unique=False)
        batch_op.create_index("idx_orders_order_number", ["order_number"], unique=False)
        batch_op.create_index("idx_orders_status", ["status"], unique=False)
        batch_op.create_index("idx_orders_user_id", ["user_id"], unique=False)

    op.create_table(
        "product_categories",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_product_categories_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_categories_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("product_id", "category_id", name=op.f("pk_product_categories")),
    )
    op.create_table(
        "product_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("image_url", sa.String(length=500), nullable=False),
        sa.Column("alt_text", sa.String(length=255), nullable=True),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_primary", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_images_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_images")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("customer_name", sa.String(length=255), nullable=True),
        sa.Column("customer_email", sa.String(length=255), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "approved", "rejected", name="review_status", create_constraint=True),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("is_verified_purchase", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("helpful_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="valid_rating"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_reviews_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reviews_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index("idx_reviews_product_id", ["product_id"], unique=False)
        batch_op.create_index(
            "idx_reviews_status",
            ["status"],
            unique=False,
            postgresql_where=sa.text("status = 'approved'"),
            sqlite_where=sa.text("status = 'approved'"),
        )
        batch_op.create_index("idx_reviews_user_id", ["user_id"], unique=False)

    op.create_table(
        "shopping_cart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.CheckConstraint("quantity > 0", name="positive_quantity"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_shopping_cart_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_shopping_cart_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopping_cart")),
        sa.UniqueConstraint("user_id", "product_id", name=op.f("uq_shopping_cart_user_id")),
    )
    with op.batch_alter_table("shopping_cart", schema=None) as batch_op:
        batch_op.create_index("idx_shopping_cart_product_id", ["product_id"], unique=False)
        batch_op.create_index("idx_shopping_cart_user_id", ["user_id"], unique=False)

    op.create_table(
        "user_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), server_default="shipping", nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("company", sa.String(length=100), nullable=True),
        sa.Column("address_line1", sa.String(length=255), nullable=False),
        sa.Column("address_line2", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.CheckConstraint("type IN ('shipping', 'billing')", name="valid_address_type"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_addresses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_addresses")),
    )
    op.create_table(
        "wishlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_wishlists_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_wishlists_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wishlists")),
        sa.UniqueConstraint("user_id", "product_id", name=op.f("uq_wishlists_user_id")),
    )
    with op.batch_alter_table("wishlists", schema=None) as batch_op:
        batch_op.create_index("idx_wishlists_product_id", ["product_id"], unique=False)
        batch_op.create_index("idx_wishlists_user_id", ["user_id"], unique=False)

    op.create_table(
        "coupon_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coupon_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("discount_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name=op.f("fk_coupon_usage_coupon_id_coupons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_coupon_usage_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_coupon_usage_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupon_usage")),
    )
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("product_name", sa.String(length=255), nullable=False),
        sa.Column("product_sku", sa.String(length=100), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.CheckConstraint("quantity > 0", name="positive_quantity"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_items_product_id_products"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.create_index("idx_order_items_order_id", ["order_id"], unique=False)
        batch_op.create_index("idx_order_items_product_id", ["product_id"], unique=False)


def downgrade():
    for table in TABLES:
        op.drop_table(table)
    if is_postgresql():
        for name in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {name}")
