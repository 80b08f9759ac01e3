"""``users.cart_version``: a number the database changes with every change to a cart.

Every insert, update or delete of a row of ``cart_lines`` adds one to its owner's
``cart_version``, in the same transaction (a trigger on both engines, so no write path
can forget it). A write made conditional on the version read with the cart
(``INSERT ... SELECT ... WHERE cart_version = :read``) therefore writes nothing when
anything changed the cart in between: adding to a cart on PostgreSQL reads without a
lock and writes with one such statement, outside any explicit transaction.

PostgreSQL: ``cart_for_update`` (0012) returns the version too (its row type changes:
dropped and created again). Row-level triggers: an upsert fires one (insert or update)
where statement-level ones would fire both; the owner's row they update is the one the
cart's writers lock (``FOR NO KEY UPDATE``), so they take no lock a writer does not
already hold.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 10:20:00.000000
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = tuple(
    f"""
    CREATE TRIGGER tr_cart_lines_version_{event.lower()} AFTER {event} ON cart_lines
    BEGIN
        UPDATE users SET cart_version = cart_version + 1 WHERE id = {row}.user_id;
    END
    """
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
)

_POSTGRESQL_TRIGGER = (
    """
    CREATE FUNCTION cart_lines_changed() RETURNS trigger AS $$
    BEGIN
        UPDATE users SET cart_version = cart_version + 1
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER tr_cart_lines_version AFTER INSERT OR UPDATE OR DELETE ON cart_lines
    FOR EACH ROW EXECUTE FUNCTION cart_lines_changed()
    """,
)

# 0012's function is what a downgrade restores; the product columns are the same.
_0012 = importlib.import_module("shopcore.adapters.sql.migrations.versions.0012_cart_for_update")
_PRODUCT: str = _0012._PRODUCT

_CART_FOR_UPDATE = f"""
CREATE FUNCTION cart_for_update(p_user_id varchar, p_also_product integer)
RETURNS TABLE (
    owner varchar, cart_version bigint, added_at timestamptz, quantity integer,
    id integer, name varchar, description text, price_minor bigint, category varchar,
    stock integer, archived boolean, image_url varchar, thumbnail_url varchar,
    created_at timestamptz, updated_at timestamptz, rating_count integer,
    rating_total integer)
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



def upgrade() -> None:
    op.add_column("users", sa.Column("cart_version", sa.BigInteger(), nullable=False,
                                     server_default=sa.text("0")))
    if op.get_bind().dialect.name == "sqlite":
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)
        return
    for statement in _POSTGRESQL_TRIGGER:
        op.execute(statement)
    op.execute("DROP FUNCTION cart_for_update(varchar, integer)")
    op.execute(_CART_FOR_UPDATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS tr_cart_lines_version_{event}")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_cart_lines_version ON cart_lines")
        op.execute("DROP FUNCTION IF EXISTS cart_lines_changed()")
        op.execute("DROP FUNCTION cart_for_update(varchar, integer)")
        op.execute(_0012._FUNCTION)
    # In place on SQLite too (3.35+): a batch copy would drop ``users``, which the
    # enforced foreign keys of the other tables refuse.
    op.execute("ALTER TABLE users DROP COLUMN cart_version")
