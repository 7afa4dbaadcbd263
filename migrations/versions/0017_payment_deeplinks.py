"""payment_attempts.deeplink_url: Bakong's "open in my bank app" short link for a KHQR.

A job asks Bakong's generate_deeplink_by_qr for each new KHQR attempt once it is committed and
stores the link here; the payment page shows it as a button on phones and the API returns it.
Empty until the job has run, and for good when Bakong could not make one (the page then offers
"Save the QR" alone, as before). Attempts made before this migration have none.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.add_column(sa.Column("deeplink_url", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("payment_attempts") as batch:
        batch.drop_column("deeplink_url")
