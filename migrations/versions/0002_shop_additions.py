"""What a real shop needs and the seed forgot.

- categories.name_kh / description_kh: the seed's categories are English only.
- products.brand / size: a skincare shop sells brands, in sizes.
- orders.idempotency_key (unique): a retried checkout finds the first order.
- orders.payment_method / shipping_method.
- order_status_events: the order timeline and the staff's history of each order.
- audit_logs: who changed what, when, with before and after.
- Database guards: products cannot go below zero stock unless backorders are allowed; a coupon
  cannot be used more than its usage_limit; order amounts are never negative; one review per
  product per user.
- Indexes for the lookups the seed left unindexed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("categories") as batch_op:
        batch_op.add_column(sa.Column("name_kh", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("description_kh", sa.Text(), nullable=True))

    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("brand", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("size", sa.String(length=50), nullable=True))
        batch_op.create_check_constraint("non_negative_stock", "stock >= 0 OR allow_backorders")

    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("payment_method", sa.String(length=30), server_default="cod", nullable=False))
        batch_op.add_column(sa.Column("shipping_method", sa.String(length=30), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_orders_idempotency_key"), ["idempotency_key"])
        batch_op.create_check_constraint(
            "non_negative_amounts",
            "subtotal >= 0 AND tax_amount >= 0 AND shipping_amount >= 0 AND discount_amount >= 0 AND total >= 0",
        )

    with op.batch_alter_table("coupons") as batch_op:
        batch_op.create_check_constraint("within_usage_limit", "usage_limit IS NULL OR used_count <= usage_limit")

    with op.batch_alter_table("reviews") as batch_op:
        batch_op.create_unique_constraint("uq_reviews_product_id_user_id", ["product_id", "user_id"])

    op.create_index("idx_product_categories_category_id", "product_categories", ["category_id"])
    op.create_index("idx_product_images_product_id", "product_images", ["product_id"])
    op.create_index("idx_coupon_usage_coupon_id_user_id", "coupon_usage", ["coupon_id", "user_id"])
    op.create_index("idx_coupon_usage_order_id", "coupon_usage", ["order_id"])
    op.create_index("idx_user_addresses_user_id", "user_addresses", ["user_id"])

    op.create_table(
        "order_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_order_status_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_status_events_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_events")),
    )
    op.create_index("idx_order_status_events_order_id", "order_status_events", ["order_id"])

    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=50), nullable=True),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_logs_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_logs")),
    )
    op.create_index("idx_audit_logs_actor_id", "audit_logs", ["actor_id"])
    op.create_index("idx_audit_logs_created_at", "audit_logs", ["created_at"])
    op.create_index("idx_audit_logs_entity", "audit_logs", ["entity_type", "entity_id"])


def downgrade():
    op.drop_table("audit_logs")
    op.drop_table("order_status_events")
    for name, table in (
        ("idx_user_addresses_user_id", "user_addresses"),
        ("idx_coupon_usage_order_id", "coupon_usage"),
        ("idx_coupon_usage_coupon_id_user_id", "coupon_usage"),
        ("idx_product_images_product_id", "product_images"),
        ("idx_product_categories_category_id", "product_categories"),
    ):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("reviews") as batch_op:
        batch_op.drop_constraint("uq_reviews_product_id_user_id", type_="unique")
    with op.batch_alter_table("coupons") as batch_op:
        batch_op.drop_constraint("within_usage_limit", type_="check")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_constraint("non_negative_amounts", type_="check")
        batch_op.drop_constraint(batch_op.f("uq_orders_idempotency_key"), type_="unique")
        batch_op.drop_column("shipping_method")
        batch_op.drop_column("payment_method")
        batch_op.drop_column("idempotency_key")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_constraint("non_negative_stock", type_="check")
        batch_op.drop_column("size")
        batch_op.drop_column("brand")
    with op.batch_alter_table("categories") as batch_op:
        batch_op.drop_column("description_kh")
        batch_op.drop_column("name_kh")
