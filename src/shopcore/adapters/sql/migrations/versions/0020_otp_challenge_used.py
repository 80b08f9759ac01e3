"""A used OTP challenge is kept: ``otp_challenges.used_at``.

A successful login used to delete the phone's challenge, and with it the hourly
delivery count it carries, so every login restarted the phone's quota. The challenge
is now marked used instead (its code no longer works) until the quota window closes
and ``shopcore prune`` forgets it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 09:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shopcore.adapters.sql.types import UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("otp_challenges", sa.Column("used_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("otp_challenges") as batch:
        batch.drop_column("used_at")
