"""Product counts: the number of visible (not archived) products per category, kept by
the database in the transaction that inserts, deletes, archives, un-archives or
re-categorises a product.

The product list reads its total from here (a few rows) instead of counting every
visible product. Triggers keep ``product_counts`` equal to
``SELECT category, count(*) FROM products WHERE NOT archived GROUP BY category``; a
category whose last visible product goes away keeps its row, at 0 (rows are never
deleted, so concurrent writers only ever update or create one). Changes of other
columns (stock moves, ratings, prices) do not fire the triggers. ``TRUNCATE products``
does not either: whoever empties ``products`` that way empties ``product_counts`` too.
Existing products are counted by the upgrade.

PostgreSQL: inserts and deletes are counted once per statement (a multi-row INSERT adds
one row per category), updates once per row whose ``archived`` or ``category`` changed.
Each adds to the counters in category order, so two writers touching the same
categories lock their counter rows in the same order and cannot deadlock; no other
trigger or query locks these rows, and they are locked after the product rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 04:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER tr_products_counts_insert AFTER INSERT ON products
    WHEN NOT NEW.archived
    BEGIN
        INSERT INTO product_counts (category, visible) VALUES (NEW.category, 1)
        ON CONFLICT (category) DO UPDATE SET visible = visible + 1;
    END
    """,
    """
    CREATE TRIGGER tr_products_counts_delete AFTER DELETE ON products
    WHEN NOT OLD.archived
    BEGIN
        UPDATE product_counts SET visible = visible - 1 WHERE category = OLD.category;
    END
    """,
    """
    CREATE TRIGGER tr_products_counts_update AFTER UPDATE OF archived, category ON products
    WHEN OLD.archived IS NOT NEW.archived OR OLD.category IS NOT NEW.category
    BEGIN
        UPDATE product_counts SET visible = visible - 1
        WHERE NOT OLD.archived AND category = OLD.category;
        INSERT INTO product_counts (category, visible)
        SELECT NEW.category, 1 WHERE NOT NEW.archived
        ON CONFLICT (category) DO UPDATE SET visible = visible + 1;
    END
    """,
)

_POSTGRESQL_TRIGGERS = (
    # Statement-level for inserts and deletes: a bulk insert (seeding) updates each
    # counter once per statement, not once per product; updates of a counter row in one
    # transaction each leave a version behind that the next one walks.
    """
    CREATE FUNCTION product_counts_add() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO product_counts (category, visible)
            SELECT category, COUNT(*) FROM new_products WHERE NOT archived
            GROUP BY category ORDER BY category
            ON CONFLICT (category) DO UPDATE
                SET visible = product_counts.visible + EXCLUDED.visible;
        ELSE
            INSERT INTO product_counts (category, visible)
            SELECT category, -COUNT(*) FROM old_products WHERE NOT archived
            GROUP BY category ORDER BY category
            ON CONFLICT (category) DO UPDATE
                SET visible = product_counts.visible + EXCLUDED.visible;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER tr_products_counts_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_products
    FOR EACH STATEMENT EXECUTE FUNCTION product_counts_add()
    """,
    """
    CREATE TRIGGER tr_products_counts_delete AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_products
    FOR EACH STATEMENT EXECUTE FUNCTION product_counts_add()
    """,
    # Row-level (PostgreSQL allows no transition tables on UPDATE OF columns): only
    # statements that set ``archived`` or ``category`` reach the WHEN, only real changes
    # the function.
    """
    CREATE FUNCTION product_counts_move() RETURNS trigger AS $$
    BEGIN
        INSERT INTO product_counts (category, visible)
        SELECT moved.category, SUM(moved.delta)
        FROM (VALUES (OLD.category::text, CASE WHEN OLD.archived THEN 0 ELSE -1 END),
                     (NEW.category::text, CASE WHEN NEW.archived THEN 0 ELSE 1 END))
             AS moved (category, delta)
        GROUP BY moved.category HAVING SUM(moved.delta) <> 0
        ORDER BY moved.category
        ON CONFLICT (category) DO UPDATE
            SET visible = product_counts.visible + EXCLUDED.visible;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER tr_products_counts_update AFTER UPDATE OF archived, category ON products
    FOR EACH ROW
    WHEN (OLD.archived IS DISTINCT FROM NEW.archived
          OR OLD.category IS DISTINCT FROM NEW.category)
    EXECUTE FUNCTION product_counts_move()
    """,
)


def upgrade() -> None:
    op.create_table(
        "product_counts",
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("visible", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_product_counts")),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:  # no product may be written between the count and the triggers
        op.execute("LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        "INSERT INTO product_counts (category, visible) "
        "SELECT category, COUNT(*) FROM products WHERE NOT archived GROUP BY category"
    )
    for statement in _SQLITE_TRIGGERS if sqlite else _POSTGRESQL_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tr_products_counts_update", "tr_products_counts_delete",
                     "tr_products_counts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for name in ("tr_products_counts_update", "tr_products_counts_delete",
                     "tr_products_counts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON products")
        op.execute("DROP FUNCTION IF EXISTS product_counts_move()")
        op.execute("DROP FUNCTION IF EXISTS product_counts_add()")
    op.drop_table("product_counts")
