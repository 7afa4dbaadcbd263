"""order_items.product_name_kh and variant_name_kh: what was bought, named in Khmer as well.

An order keeps its own copy of each product's name (`product_name`) and variant's (`variant_name`),
so that it reads the same after the catalog changes. Until now the copy was English only, and a
Khmer shopper's confirmation email, order page and invoice named the products in English. Rows
written before this migration get the Khmer names their product and variant have now (none when
the product has no Khmer name, or is gone).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_items") as batch:
        batch.add_column(sa.Column("product_name_kh", sa.String(255), nullable=True))
        batch.add_column(sa.Column("variant_name_kh", sa.String(255), nullable=True))
    op.execute(
        "UPDATE order_items SET "
        "product_name_kh = (SELECT NULLIF(products.name_kh, '') FROM products WHERE products.id = order_items.product_id), "
        "variant_name_kh = (SELECT NULLIF(product_variants.option_value_kh, '') FROM product_variants "
        "WHERE product_variants.id = order_items.variant_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("order_items") as batch:
        batch.drop_column("variant_name_kh")
        batch.drop_column("product_name_kh")
