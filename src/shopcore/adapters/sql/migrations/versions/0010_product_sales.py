"""Product sales: units and orders per product (all time, and per UTC day), kept by the
database in the transaction that places, cancels or un-cancels an order.

``product_sales`` answers the all-time best sellers with an index walk instead of a
``GROUP BY`` over every order line; ``product_sales_daily`` answers a window of days.
Triggers keep both equal to the aggregate over the lines of orders that are not
cancelled: a line inserted into a non-cancelled order adds to them, an order moving to
``cancelled`` subtracts its lines, one moving out of ``cancelled`` adds them back. Orders
and order lines are never deleted (nothing in shopcore deletes them; the triggers do not
follow deletions). Existing orders are counted by the upgrade.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 03:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER tr_order_lines_sales_insert AFTER INSERT ON order_lines
    WHEN (SELECT status FROM orders WHERE id = NEW.order_id) != 'cancelled'
    BEGIN
        INSERT INTO product_sales (product_id, units, orders)
        VALUES (NEW.product_id, NEW.quantity, 1)
        ON CONFLICT (product_id) DO UPDATE
            SET units = units + excluded.units, orders = orders + 1;
        INSERT INTO product_sales_daily (product_id, day, units, orders)
        VALUES (NEW.product_id,
                (SELECT date(created_at) FROM orders WHERE id = NEW.order_id),
                NEW.quantity, 1)
        ON CONFLICT (product_id, day) DO UPDATE
            SET units = units + excluded.units, orders = orders + 1;
    END
    """,
    """
    CREATE TRIGGER tr_orders_sales_cancel AFTER UPDATE OF status ON orders
    WHEN OLD.status != 'cancelled' AND NEW.status = 'cancelled'
    BEGIN
        UPDATE product_sales
        SET units = units - (SELECT quantity FROM order_lines
                             WHERE order_id = NEW.id
                               AND product_id = product_sales.product_id),
            orders = orders - 1
        WHERE product_id IN (SELECT product_id FROM order_lines WHERE order_id = NEW.id);
        UPDATE product_sales_daily
        SET units = units - (SELECT quantity FROM order_lines
                             WHERE order_id = NEW.id
                               AND product_id = product_sales_daily.product_id),
            orders = orders - 1
        WHERE day = date(NEW.created_at)
          AND product_id IN (SELECT product_id FROM order_lines WHERE order_id = NEW.id);
    END
    """,
    """
    CREATE TRIGGER tr_orders_sales_uncancel AFTER UPDATE OF status ON orders
    WHEN OLD.status = 'cancelled' AND NEW.status != 'cancelled'
    BEGIN
        INSERT INTO product_sales (product_id, units, orders)
        SELECT product_id, quantity, 1 FROM order_lines WHERE order_id = NEW.id AND true
        ON CONFLICT (product_id) DO UPDATE
            SET units = units + excluded.units, orders = orders + 1;
        INSERT INTO product_sales_daily (product_id, day, units, orders)
        SELECT product_id, date(NEW.created_at), quantity, 1
        FROM order_lines WHERE order_id = NEW.id AND true
        ON CONFLICT (product_id, day) DO UPDATE
            SET units = units + excluded.units, orders = orders + 1;
    END
    """,
)

_POSTGRESQL_TRIGGERS = (
    # One statement-level trigger per INSERT (a multi-row INSERT adds its lines grouped
    # by product, in product order): a bulk load in one transaction would otherwise
    # update the same popular rows once per line, each update walking the versions the
    # transaction left behind.
    """
    CREATE FUNCTION product_sales_lines_inserted() RETURNS trigger AS $$
    BEGIN
        INSERT INTO product_sales (product_id, units, orders)
        SELECT n.product_id, SUM(n.quantity), COUNT(*)
        FROM new_lines n JOIN orders o ON o.id = n.order_id
        WHERE o.status <> 'cancelled'
        GROUP BY n.product_id ORDER BY n.product_id
        ON CONFLICT (product_id) DO UPDATE
            SET units = product_sales.units + EXCLUDED.units,
                orders = product_sales.orders + EXCLUDED.orders;
        INSERT INTO product_sales_daily (product_id, day, units, orders)
        SELECT n.product_id, (o.created_at AT TIME ZONE 'UTC')::date,
               SUM(n.quantity), COUNT(*)
        FROM new_lines n JOIN orders o ON o.id = n.order_id
        WHERE o.status <> 'cancelled'
        GROUP BY n.product_id, (o.created_at AT TIME ZONE 'UTC')::date
        ORDER BY n.product_id
        ON CONFLICT (product_id, day) DO UPDATE
            SET units = product_sales_daily.units + EXCLUDED.units,
                orders = product_sales_daily.orders + EXCLUDED.orders;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER tr_order_lines_sales_insert AFTER INSERT ON order_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION product_sales_lines_inserted()
    """,
    """
    CREATE FUNCTION product_sales_order_status_changed() RETURNS trigger AS $$
    DECLARE
        direction integer;
        order_day date := (NEW.created_at AT TIME ZONE 'UTC')::date;
    BEGIN
        IF OLD.status <> 'cancelled' AND NEW.status = 'cancelled' THEN
            direction := -1;
        ELSIF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
            direction := 1;
        ELSE
            RETURN NULL;
        END IF;
        -- Lock the products first, in id order, as placing an order does (its stock
        -- moves before its lines are written): the sales rows are then always locked
        -- after the product rows, and a cancel cannot deadlock with an order.
        PERFORM 1 FROM products
        WHERE id IN (SELECT product_id FROM order_lines WHERE order_id = NEW.id)
        ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO product_sales (product_id, units, orders)
        SELECT product_id, direction * quantity, direction FROM order_lines WHERE order_id = NEW.id
        ORDER BY product_id
        ON CONFLICT (product_id) DO UPDATE
            SET units = product_sales.units + EXCLUDED.units,
                orders = product_sales.orders + EXCLUDED.orders;
        INSERT INTO product_sales_daily (product_id, day, units, orders)
        SELECT product_id, order_day, direction * quantity, direction
        FROM order_lines WHERE order_id = NEW.id
        ORDER BY product_id
        ON CONFLICT (product_id, day) DO UPDATE
            SET units = product_sales_daily.units + EXCLUDED.units,
                orders = product_sales_daily.orders + EXCLUDED.orders;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER tr_orders_sales_status AFTER UPDATE OF status ON orders
    FOR EACH ROW EXECUTE FUNCTION product_sales_order_status_changed()
    """,
)


def upgrade() -> None:
    op.create_table(
        "product_sales",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_sales_product_id_products")
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_sales")),
    )
    op.create_index("ix_product_sales_rank", "product_sales", ["units", "product_id"],
                    unique=False)
    op.create_table(
        "product_sales_daily",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"],
            name=op.f("fk_product_sales_daily_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("product_id", "day", name=op.f("pk_product_sales_daily")),
    )
    op.create_index("ix_product_sales_daily_day", "product_sales_daily", ["day", "product_id"],
                    unique=False)

    sqlite = op.get_bind().dialect.name == "sqlite"
    day = "date(o.created_at)" if sqlite else "(o.created_at AT TIME ZONE 'UTC')::date"
    op.execute(
        "INSERT INTO product_sales (product_id, units, orders) "
        "SELECT l.product_id, SUM(l.quantity), COUNT(*) FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id WHERE o.status <> 'cancelled' "
        "GROUP BY l.product_id"
    )
    op.execute(
        "INSERT INTO product_sales_daily (product_id, day, units, orders) "
        f"SELECT l.product_id, {day}, SUM(l.quantity), COUNT(*) FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id WHERE o.status <> 'cancelled' "
        f"GROUP BY l.product_id, {day}"
    )
    for statement in _SQLITE_TRIGGERS if sqlite else _POSTGRESQL_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("tr_orders_sales_uncancel", "tr_orders_sales_cancel",
                     "tr_order_lines_sales_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_orders_sales_status ON orders")
        op.execute("DROP TRIGGER IF EXISTS tr_order_lines_sales_insert ON order_lines")
        op.execute("DROP FUNCTION IF EXISTS product_sales_order_status_changed()")
        op.execute("DROP FUNCTION IF EXISTS product_sales_lines_inserted()")
    op.drop_index("ix_product_sales_daily_day", table_name="product_sales_daily")
    op.drop_table("product_sales_daily")
    op.drop_index("ix_product_sales_rank", table_name="product_sales")
    op.drop_table("product_sales")
