"""Carts remember what the shopper saw.

- shopping_cart.price_at_add: the unit price when the line was added, so a later price change is
  shown in the cart rather than charged silently.
- users.cart_coupon_code: the coupon applied to a signed-in shopper's cart (it follows them
  across devices, like the cart itself).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("shopping_cart") as batch_op:
        batch_op.add_column(sa.Column("price_at_add", sa.Numeric(precision=12, scale=2), nullable=True))
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("cart_coupon_code", sa.String(length=50), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("cart_coupon_code")
    with op.batch_alter_table("shopping_cart") as batch_op:
        batch_op.drop_column("price_at_add")
