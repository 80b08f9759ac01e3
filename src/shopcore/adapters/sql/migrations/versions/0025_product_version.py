"""``products.version``: a number that moves with every write of a product.

An admin's change (``PATCH /api/products/<id>/`` with ``If-Match``) is made only while
the product is at the version the admin read, so that it never silently undoes a change
made in between (an order taking units, another admin). The column is 1 for every
existing and new row (the server default: a product inserted by code that does not know
the column starts there too), and every UPDATE of a product that this release makes
writes ``version = version + 1`` in the same statement (``SqlProductRepository``, and
order placement on PostgreSQL in ``repositories/shopping.py``).

Expand-safe: adding a NOT NULL column with a constant default rewrites nothing (an
instant change of the catalog on PostgreSQL 11+ and on SQLite), and a process of the
release before still inserts and updates products as it did. Its updates do not move
the version, though: while it still serves (a rolling deploy), an ``If-Match`` change
may pass over a write it made. Nothing else changes for it.

PostgreSQL: the locked read of a cart (``cart_for_update`` of migrations 0012 and 0013)
returns the product columns of its release, which this one extends. Changing its row
type would break the release before during the deploy (it reads that function's rows
by position), so this release reads carts through a new function, ``locked_cart``
(the same, with ``version``), and ``cart_for_update`` stays for the release before; a
later release drops it.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_PRODUCT = (
    "{p}.id, {p}.name, {p}.description, {p}.price_minor, {p}.category, {p}.stock, "
    "{p}.archived, {p}.image_url, {p}.thumbnail_url, {p}.created_at, {p}.updated_at, "
    "{p}.rating_count, {p}.rating_total, {p}.version")
"""The columns of ``PRODUCT_COLUMNS`` (``repositories/catalog.py``) as of this release."""

_LOCKED_CART = f"""
CREATE FUNCTION locked_cart(p_user_id varchar, p_also_product integer)
RETURNS TABLE (
    owner varchar, cart_version bigint, added_at timestamptz, quantity integer,
    id integer, name varchar, description text, price_minor bigint, category varchar,
    stock integer, archived boolean, image_url varchar, thumbnail_url varchar,
    created_at timestamptz, updated_at timestamptz, rating_count integer,
    rating_total integer, version bigint)
AS $$
BEGIN
    PERFORM 1 FROM users u WHERE u.id = p_user_id FOR NO KEY UPDATE;
    RETURN QUERY
        SELECT u.id, u.cart_version, l.added_at, l.quantity, {_PRODUCT.format(p="p")}
        FROM users u
        LEFT JOIN cart_lines l ON l.user_id = u.id
        LEFT JOIN products p ON p.id = l.product_id
        WHERE u.id = p_user_id
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, {_PRODUCT.format(p="a")}
        FROM products a
        WHERE a.id = p_also_product;
END
$$ LANGUAGE plpgsql VOLATILE
"""
"""``cart_for_update`` of migration 0013 with each product's ``version``: the owner
locked, then (a fresh snapshot: the function is volatile) the cart's lines with their
products, then the product ``p_also_product``."""


def upgrade() -> None:
    op.add_column("products", sa.Column("version", sa.BigInteger(), nullable=False,
                                        server_default=sa.text("1")))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_LOCKED_CART)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS locked_cart(varchar, integer)")
    # In place on SQLite too (3.35+), as 0022's downgrade drops ``sort_name``.
    op.execute("ALTER TABLE products DROP COLUMN version")
