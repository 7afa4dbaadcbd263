"""orders.customer_language: the language a guest ordered in.

A guest has no account to keep a language in, so every email about a guest order (the
confirmation, the confirmation sent when a KHQR payment arrives later, the shipping notice)
reads it from the order. Account orders leave it empty: their emails follow the account's
language, as before. Orders placed before this migration have none and are emailed in English,
as they were.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("customer_language", sa.String(5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("customer_language")
