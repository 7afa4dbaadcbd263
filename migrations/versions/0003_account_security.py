"""Account security: verification links expire; sessions and tokens can be revoked at once.

- users.email_verification_expires: the seed stores the (hashed) verification token but no expiry.
- users.auth_version: part of every session id and JWT; bumping it logs the user out everywhere
  (password change, suspension).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("email_verification_expires", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("auth_version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_index(
            "idx_users_email_verification_token",
            ["email_verification_token"],
            postgresql_where=sa.text("email_verification_token IS NOT NULL"),
            sqlite_where=sa.text("email_verification_token IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_index("idx_users_email_verification_token")
        batch_op.drop_column("auth_version")
        batch_op.drop_column("email_verification_expires")
