"""Content pages and Khmer usage instructions.

- content_pages: the shop's information pages (delivery, returns, privacy...), a slug, a title
  and a Markdown body in English and Khmer, who changed it last and when. The demo seed
  (`flask seed`) writes the default pages; staff edit them at /admin/pages.
- products.usage_instructions_kh: how to use a product, in Khmer (nullable; the product page
  falls back to the English `usage_instructions`).

`products` keeps its search triggers (SQLite FTS5, PostgreSQL's stale-document queue): the
column is added and dropped in place (ALTER TABLE), never by copying the table, which would
drop them on SQLite.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_km", sa.String(length=200), nullable=True),
        sa.Column("body_en", sa.Text(), server_default="", nullable=False),
        sa.Column("body_km", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_content_pages_updated_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_content_pages_slug")),
    )
    op.add_column("products", sa.Column("usage_instructions_kh", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("products", "usage_instructions_kh")
    op.drop_table("content_pages")
