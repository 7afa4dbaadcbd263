"""The shopper's skin profile, from the skin analysis.

- users.skin_concerns: the concerns the shopper wants to work on (codes of shop.catalog.vocab).
- users.avoided_ingredients: ingredient groups the shopper flagged (shop.skin.conflicts), never
  recommended to them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TEXT_ARRAY = sa.ARRAY(sa.Text()).with_variant(sa.JSON(), "sqlite")


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("skin_concerns", TEXT_ARRAY, nullable=True))
        batch_op.add_column(sa.Column("avoided_ingredients", TEXT_ARRAY, nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("avoided_ingredients")
        batch_op.drop_column("skin_concerns")
