"""``cart_for_update(user_id, also_product)`` on PostgreSQL: a cart's owner locked, then its
lines with their products read, in one round trip.

Adding to a cart and placing an order lock the owner's row (``FOR NO KEY UPDATE``: the
cart has no row of its own) and then read the cart. They cannot be one plain statement:
a statement that waits for a lock goes on with the snapshot it started with and would
miss the lines the lock's holder just wrote. In a volatile PL/pgSQL function each
statement takes a fresh snapshot, so the read after the lock sees every line committed
before the lock was granted. Rows: one per line (owner, added_at, quantity and the
product's columns), one row with only ``owner`` for a user without lines, then the
product ``also_product`` (when given and existing) with neither owner nor line; none
for an unknown user but that product. The product columns are those of
``PRODUCT_COLUMNS`` (``repositories/catalog.py``); a migration that changes them
replaces this function.

SQLite needs no lock (its write transactions run one at a time): nothing there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 08:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_PRODUCT = (
    "{p}.id, {p}.name, {p}.description, {p}.price_minor, {p}.category, {p}.stock, "
    "{p}.archived, {p}.image_url, {p}.thumbnail_url, {p}.created_at, {p}.updated_at, "
    "{p}.rating_count, {p}.rating_total")

_FUNCTION = f"""
CREATE FUNCTION cart_for_update(p_user_id varchar, p_also_product integer)
RETURNS TABLE (
    owner varchar, added_at timestamptz, quantity integer,
    id integer, name varchar, description text, price_minor bigint, category varchar,
    stock integer, archived boolean, image_url varchar, thumbnail_url varchar,
    created_at timestamptz, updated_at timestamptz, rating_count integer,
    rating_total integer)
AS $$
BEGIN
    PERFORM 1 FROM users u WHERE u.id = p_user_id FOR NO KEY UPDATE;
    RETURN QUERY
        SELECT u.id, l.added_at, l.quantity, {_PRODUCT.format(p="p")}
        FROM users u
        LEFT JOIN cart_lines l ON l.user_id = u.id
        LEFT JOIN products p ON p.id = l.product_id
        WHERE u.id = p_user_id
        UNION ALL
        SELECT NULL, NULL, NULL, {_PRODUCT.format(p="a")}
        FROM products a
        WHERE a.id = p_also_product;
END
$$ LANGUAGE plpgsql VOLATILE
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cart_for_update(varchar, integer)")
