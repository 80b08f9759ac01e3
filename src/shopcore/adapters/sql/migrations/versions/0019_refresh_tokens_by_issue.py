"""Refresh tokens found by when they were issued: ``ix_refresh_tokens_issued``.

Every serving process reads, once a second, the revoked logins that may still hold a
live access token: those with a refresh token issued within the access-token lifetime
(``adapters/sql/revoked_logins.py``). The index keeps that read to the last minutes'
tokens instead of the whole table.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 07:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_refresh_tokens_issued", "refresh_tokens", ["issued_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_refresh_tokens_issued", table_name="refresh_tokens")
