"""``payments.refund_attempt``: a refund the provider accepted and then failed is asked
for again under a new idempotency key (``Payment.refund_key``), since the provider
answers an old key with the failed refund.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 03:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("payments", sa.Column("refund_attempt", sa.Integer(), nullable=False,
                                        server_default=sa.text("0")))


def downgrade() -> None:
    # In place on SQLite too (3.35+): a batch copy would drop ``payments``, which the
    # enforced foreign key of ``payment_events`` refuses.
    op.execute("ALTER TABLE payments DROP COLUMN refund_attempt")
