"""PostgreSQL: a product write's change to ``product_counts`` is applied at commit, in
category order, so that orders selling out products no longer deadlock.

Since 0026 the update trigger of ``products`` (a row-level trigger, for rows whose
visibility, category or being in stock changes) upserted the category's counter row
right after each product row: an order locks its products in id order, so two orders
emptying products of the categories A and B in opposite id orders locked the counter
rows A then B and B then A. Under a burst of sell-outs most of them deadlocked;
PostgreSQL ends a deadlock after ``deadlock_timeout`` (1 s), the loser ran again and
often deadlocked again (placing slowed to about an order a second, answering 409
``conflict`` or timing out).

Now the row trigger only notes the change in ``product_count_changes`` (an insert, which
waits for nobody), and a deferred constraint trigger on that table folds every change
the transaction noted into ``product_counts`` at commit: one upsert, categories in order.
At commit a transaction takes no more product locks, and the counter rows are locked by
every transaction in the same order: no wait can close a cycle. The first deferred firing
folds them all; the others find nothing. Uncommitted changes are invisible to every other
transaction, and every transaction empties its own before committing, so the table holds
no committed rows and the fold needs no transaction id. A reader sees the products and
the counts of a commit together, as before.

A write that crosses nothing (a stock moving from 3 to 2, every order of the benchmark)
is stopped by the row trigger's WHEN, as before: it pays nothing. SQLite writers take
turns (one write transaction at a time), so its triggers stay as they are and it has no
``product_count_changes``.

The insert and delete triggers (migration 0011, statement-level) already upsert in
category order; product creation locks no product after them.

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-29 16:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_UPDATE_TRIGGER = """
    CREATE TRIGGER tr_products_counts_update AFTER UPDATE OF archived, category, stock
    ON products
    FOR EACH ROW
    WHEN (OLD.archived IS DISTINCT FROM NEW.archived
          OR OLD.category IS DISTINCT FROM NEW.category
          OR (OLD.stock > 0) IS DISTINCT FROM (NEW.stock > 0))
    EXECUTE FUNCTION {function}()
"""
"""The update trigger of 0026 (the same WHEN), calling ``function``."""

_UP = (
    """
    CREATE TABLE product_count_changes (
        category text NOT NULL,
        visible integer NOT NULL,
        in_stock integer NOT NULL
    )
    """,
    """
    CREATE FUNCTION product_counts_note() RETURNS trigger AS $$
    BEGIN
        INSERT INTO product_count_changes (category, visible, in_stock)
        VALUES (OLD.category, CASE WHEN OLD.archived THEN 0 ELSE -1 END,
                CASE WHEN OLD.archived OR OLD.stock <= 0 THEN 0 ELSE -1 END),
               (NEW.category, CASE WHEN NEW.archived THEN 0 ELSE 1 END,
                CASE WHEN NEW.archived OR NEW.stock <= 0 THEN 0 ELSE 1 END);
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE FUNCTION product_counts_fold() RETURNS trigger AS $$
    BEGIN
        WITH noted AS (DELETE FROM product_count_changes RETURNING *)
        INSERT INTO product_counts (category, visible, in_stock)
        SELECT category, SUM(visible), SUM(in_stock)
        FROM noted
        GROUP BY category
        HAVING SUM(visible) <> 0 OR SUM(in_stock) <> 0
        ORDER BY category
        ON CONFLICT (category) DO UPDATE
            SET visible = product_counts.visible + EXCLUDED.visible,
                in_stock = product_counts.in_stock + EXCLUDED.in_stock;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER tr_product_count_changes_fold
    AFTER INSERT ON product_count_changes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION product_counts_fold()
    """,
    "DROP TRIGGER tr_products_counts_update ON products",
    _UPDATE_TRIGGER.format(function="product_counts_note"),
)

_DOWN = (  # the update trigger of 0026 as it was: its function
    "DROP TRIGGER tr_products_counts_update ON products",
    _UPDATE_TRIGGER.format(function="product_counts_move"),
    "DROP TABLE product_count_changes",
    "DROP FUNCTION product_counts_fold()",
    "DROP FUNCTION product_counts_note()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWN:
            op.execute(statement)
