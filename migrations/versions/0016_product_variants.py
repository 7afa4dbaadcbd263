"""Product variants (sizes, shades) with their own SKU, price and stock; back-in-stock alerts.

- product_variants: one option per variant (option_name "size" / "shade", its value in English
  and Khmer), SKU (unique), barcode, price, compare-at price, cost, stock, track / backorder
  flags, weight, photo, default flag (one per product: partial unique index), position and
  archived_at (an ordered variant is archived, never deleted).
- Every existing product becomes one default variant with its SKU, barcode, prices, stock,
  flags and weight, and no option value: it looks and behaves as before.
- products.price_max: the highest active variant price when the prices differ, else NULL
  (the card's "from $18.00"; none yet, every product has one variant).
- shopping_cart.variant_id (filled with the default variant); the unique line is now
  (user_id, variant_id), so two sizes of one product are two lines.
- order_items.variant_id, variant_name, variant_sku (old items: their product's default
  variant and their product SKU), so refunds restock the variant sold.
- back_in_stock_alerts: who waits for a sold-out variant (email, language), used once
  (notified_at) or cancelled (cancelled_at); one waiting alert per variant and email.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "product_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("option_name", sa.String(length=30), nullable=True),
        sa.Column("option_value_en", sa.String(length=100), nullable=True),
        sa.Column("option_value_kh", sa.String(length=100), nullable=True),
        sa.Column("sku", sa.String(length=100), nullable=False),
        sa.Column("barcode", sa.String(length=100), nullable=True),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("compare_at_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("cost_price", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("stock", sa.Integer(), server_default="0", nullable=False),
        sa.Column("track_stock", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("allow_backorder", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.CheckConstraint("price >= 0.01", name="variant_positive_price"),
        sa.CheckConstraint("compare_at_price IS NULL OR compare_at_price >= price", name="variant_valid_compare_price"),
        sa.CheckConstraint("stock >= 0 OR allow_backorder", name="variant_non_negative_stock"),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_variants_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_variants")),
        sa.UniqueConstraint("sku", name=op.f("uq_product_variants_sku")),
        sa.UniqueConstraint("product_id", "option_value_en", name="uq_product_variants_option_value"),
    )
    op.create_index("idx_product_variants_product_id", "product_variants", ["product_id", "position"])
    op.create_index(
        "uq_product_variants_default",
        "product_variants",
        ["product_id"],
        unique=True,
        postgresql_where=sa.text("is_default"),
        sqlite_where=sa.text("is_default"),
    )

    op.create_table(
        "back_in_stock_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=5), server_default="en", nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["product_variants.id"],
            name=op.f("fk_back_in_stock_alerts_variant_id_product_variants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_back_in_stock_alerts_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_back_in_stock_alerts")),
        sa.UniqueConstraint("token", name=op.f("uq_back_in_stock_alerts_token")),
    )
    op.create_index("idx_back_in_stock_alerts_variant_id", "back_in_stock_alerts", ["variant_id"])
    waiting = sa.text("notified_at IS NULL AND cancelled_at IS NULL")
    op.create_index(
        "uq_back_in_stock_alerts_waiting",
        "back_in_stock_alerts",
        ["variant_id", "email"],
        unique=True,
        postgresql_where=waiting,
        sqlite_where=waiting,
    )

    # Every product: one default variant, as it is sold today.
    products = sa.table(
        "products",
        *(
            sa.column(name)
            for name in (
                "id", "sku", "barcode", "price", "compare_at_price", "cost_price", "stock",
                "track_inventory", "allow_backorders", "weight",
            )
        ),
    )  # fmt: skip
    variants = sa.table(
        "product_variants",
        *(
            sa.column(name)
            for name in (
                "product_id", "sku", "barcode", "price", "compare_at_price", "cost_price", "stock",
                "track_stock", "allow_backorder", "weight", "is_default", "position",
            )
        ),
        sa.column("id"),
    )  # fmt: skip
    op.execute(
        variants.insert().from_select(
            [c.name for c in variants.c if c.name != "id"],
            sa.select(
                products.c.id,
                products.c.sku,
                products.c.barcode,
                products.c.price,
                products.c.compare_at_price,
                products.c.cost_price,
                products.c.stock,
                products.c.track_inventory,
                products.c.allow_backorders,
                products.c.weight,
                sa.true(),
                sa.literal(0),
            ).order_by(products.c.id),
        )
    )
    # Not a batch: on SQLite that copies the products table, which the variants now reference.
    op.add_column("products", sa.Column("price_max", sa.Numeric(precision=12, scale=2), nullable=True))

    with op.batch_alter_table("shopping_cart") as batch_op:
        batch_op.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_shopping_cart_variant_id_product_variants"),
            "product_variants",
            ["variant_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint("uq_shopping_cart_user_id", type_="unique")
        batch_op.create_unique_constraint("uq_shopping_cart_user_id", ["user_id", "variant_id"])
    op.execute(sa.text(
        "UPDATE shopping_cart SET variant_id = (SELECT v.id FROM product_variants v "
        "WHERE v.product_id = shopping_cart.product_id AND v.is_default)"
    ))  # fmt: skip

    with op.batch_alter_table("order_items") as batch_op:
        batch_op.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("variant_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("variant_sku", sa.String(length=100), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_order_items_variant_id_product_variants"),
            "product_variants",
            ["variant_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index("idx_order_items_variant_id", ["variant_id"])
    op.execute(sa.text(
        "UPDATE order_items SET variant_sku = product_sku, variant_id = (SELECT v.id FROM product_variants v "
        "WHERE v.product_id = order_items.product_id AND v.is_default) WHERE product_id IS NOT NULL"
    ))  # fmt: skip


def downgrade():
    with op.batch_alter_table("order_items") as batch_op:
        batch_op.drop_index("idx_order_items_variant_id")
        batch_op.drop_constraint(op.f("fk_order_items_variant_id_product_variants"), type_="foreignkey")
        batch_op.drop_column("variant_sku")
        batch_op.drop_column("variant_name")
        batch_op.drop_column("variant_id")
    # Two sizes of one product were two lines: keep the first (the seed's unique line per product).
    op.execute(sa.text(
        "DELETE FROM shopping_cart WHERE id NOT IN "
        "(SELECT min(id) FROM shopping_cart GROUP BY user_id, product_id)"
    ))  # fmt: skip
    with op.batch_alter_table("shopping_cart") as batch_op:
        batch_op.drop_constraint("uq_shopping_cart_user_id", type_="unique")
        batch_op.create_unique_constraint("uq_shopping_cart_user_id", ["user_id", "product_id"])
        batch_op.drop_constraint(op.f("fk_shopping_cart_variant_id_product_variants"), type_="foreignkey")
        batch_op.drop_column("variant_id")
    op.execute("ALTER TABLE products DROP COLUMN price_max")  # SQLite 3.35+ drops a column in place
    op.drop_index("uq_back_in_stock_alerts_waiting", table_name="back_in_stock_alerts")
    op.drop_index("idx_back_in_stock_alerts_variant_id", table_name="back_in_stock_alerts")
    op.drop_table("back_in_stock_alerts")
    op.drop_index("uq_product_variants_default", table_name="product_variants")
    op.drop_index("idx_product_variants_product_id", table_name="product_variants")
    op.drop_table("product_variants")
