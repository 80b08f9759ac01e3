"""Product counts in stock: ``product_counts.in_stock``, the number of visible products
with stock above zero per category, kept by the same triggers as ``visible``
(migration 0011), which now also watch ``stock``.

The product list filtered by ``in_stock`` (with or without a category) reads its total
from here instead of counting the catalog: ``in_stock=true`` is ``in_stock``,
``in_stock=false`` is ``visible - in_stock``.

The update trigger fires only for a row whose visibility, category or being in stock
changes (a stock moving from 3 to 2 is evaluated by the trigger's WHEN and goes no
further). An order whose lines empty the stock of products of several categories
updates several counter rows, in the order of its products: two such orders could
wait on each other's counters, which PostgreSQL ends as a deadlock that placing and
cancelling orders run again (they retry a transaction that lost a race).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 12:30:00.000000
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER tr_products_counts_insert AFTER INSERT ON products
    WHEN NOT NEW.archived
    BEGIN
        INSERT INTO product_counts (category, visible, in_stock)
        VALUES (NEW.category, 1, NEW.stock > 0)
        ON CONFLICT (category) DO UPDATE
            SET visible = visible + 1, in_stock = in_stock + (NEW.stock > 0);
    END
    """,
    """
    CREATE TRIGGER tr_products_counts_delete AFTER DELETE ON products
    WHEN NOT OLD.archived
    BEGIN
        UPDATE product_counts
        SET visible = visible - 1, in_stock = in_stock - (OLD.stock > 0)
        WHERE category = OLD.category;
    END
    """,
    """
    CREATE TRIGGER tr_products_counts_update AFTER UPDATE OF archived, category, stock
    ON products
    WHEN OLD.archived IS NOT NEW.archived OR OLD.category IS NOT NEW.category
         OR (OLD.stock > 0) IS NOT (NEW.stock > 0)
    BEGIN
        UPDATE product_counts
        SET visible = visible - 1, in_stock = in_stock - (OLD.stock > 0)
        WHERE NOT OLD.archived AND category = OLD.category;
        INSERT INTO product_counts (category, visible, in_stock)
        SELECT NEW.category, 1, NEW.stock > 0 WHERE NOT NEW.archived
        ON CONFLICT (category) DO UPDATE
            SET visible = visible + 1, in_stock = in_stock + (NEW.stock > 0);
    END
    """,
)

_POSTGRESQL_FUNCTIONS = (
    """
    CREATE OR REPLACE FUNCTION product_counts_add() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO product_counts (category, visible, in_stock)
            SELECT category, COUNT(*), COUNT(*) FILTER (WHERE stock > 0)
            FROM new_products WHERE NOT archived
            GROUP BY category ORDER BY category
            ON CONFLICT (category) DO UPDATE
                SET visible = product_counts.visible + EXCLUDED.visible,
                    in_stock = product_counts.in_stock + EXCLUDED.in_stock;
        ELSE
            INSERT INTO product_counts (category, visible, in_stock)
            SELECT category, -COUNT(*), -COUNT(*) FILTER (WHERE stock > 0)
            FROM old_products WHERE NOT archived
            GROUP BY category ORDER BY category
            ON CONFLICT (category) DO UPDATE
                SET visible = product_counts.visible + EXCLUDED.visible,
                    in_stock = product_counts.in_stock + EXCLUDED.in_stock;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE OR REPLACE FUNCTION product_counts_move() RETURNS trigger AS $$
    BEGIN
        INSERT INTO product_counts (category, visible, in_stock)
        SELECT moved.category, SUM(moved.visible), SUM(moved.in_stock)
        FROM (VALUES
                (OLD.category::text, CASE WHEN OLD.archived THEN 0 ELSE -1 END,
                 CASE WHEN OLD.archived OR OLD.stock <= 0 THEN 0 ELSE -1 END),
                (NEW.category::text, CASE WHEN NEW.archived THEN 0 ELSE 1 END,
                 CASE WHEN NEW.archived OR NEW.stock <= 0 THEN 0 ELSE 1 END))
             AS moved (category, visible, in_stock)
        GROUP BY moved.category
        HAVING SUM(moved.visible) <> 0 OR SUM(moved.in_stock) <> 0
        ORDER BY moved.category
        ON CONFLICT (category) DO UPDATE
            SET visible = product_counts.visible + EXCLUDED.visible,
                in_stock = product_counts.in_stock + EXCLUDED.in_stock;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
)

_POSTGRESQL_UPDATE_TRIGGER = """
    CREATE TRIGGER tr_products_counts_update AFTER UPDATE OF archived, category, stock
    ON products
    FOR EACH ROW
    WHEN (OLD.archived IS DISTINCT FROM NEW.archived
          OR OLD.category IS DISTINCT FROM NEW.category
          OR (OLD.stock > 0) IS DISTINCT FROM (NEW.stock > 0))
    EXECUTE FUNCTION product_counts_move()
"""

_TRIGGERS = ("tr_products_counts_update", "tr_products_counts_delete",
             "tr_products_counts_insert")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:  # no product may be written between the count and the triggers
        op.execute("LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE")
    op.add_column("product_counts", sa.Column("in_stock", sa.Integer(), nullable=False,
                                              server_default=sa.text("0")))
    _count_in_stock()
    if sqlite:
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _POSTGRESQL_FUNCTIONS:
            op.execute(statement)
        op.execute("DROP TRIGGER tr_products_counts_update ON products")
        op.execute(_POSTGRESQL_UPDATE_TRIGGER)


def _count_in_stock() -> None:
    op.execute(
        "UPDATE product_counts SET in_stock = (SELECT COUNT(*) FROM products "
        "WHERE products.category = product_counts.category AND NOT products.archived "
        "AND products.stock > 0)")


def downgrade() -> None:
    # The triggers and functions of 0011 as they were (a migration never changes).
    counts = importlib.import_module(
        "shopcore.adapters.sql.migrations.versions.0011_product_counts")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        for statement in counts._SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON products")
        op.execute("DROP FUNCTION product_counts_move()")
        op.execute("DROP FUNCTION product_counts_add()")
        for statement in counts._POSTGRESQL_TRIGGERS:
            op.execute(statement)
    op.drop_column("product_counts", "in_stock")
