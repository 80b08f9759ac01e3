"""``refuse_statement(reason)`` on PostgreSQL: raises, so that the statement calling it
writes nothing.

A statement run on its own (in autocommit) leaves its caller no transaction to roll
back. Where such a statement may have done only part of its work — placing an order
while its buyer's cart is unchanged has taken the units of some lines when another line
turns out short — it calls this function instead of returning, and PostgreSQL undoes
all of it. The error's SQLSTATE is ``SC001`` (``REFUSED_SQLSTATE`` in
``adapters/sql/concurrency.py``), a class of its own, so that it is never confused with
an error of the database.

SQLite needs none: there, such statements run in an ordinary transaction.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 13:20:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE FUNCTION refuse_statement(reason text) RETURNS boolean AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'SC001', MESSAGE = reason;
END
$$ LANGUAGE plpgsql VOLATILE
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS refuse_statement(text)")
