"""A user's orders and a product's reviews are listed newest first, ties by ascending
id (the contract's rule for every list): their indexes hold them in that order.

``ix_orders_user_created`` and ``ix_reviews_product_created`` were (owner, created_at,
id), all ascending, read backwards for newest first with ties by descending id. With
ties by ascending id, a backward walk gives the ties the wrong way round: SQLite sorted
the rows of each moment in a temporary B-tree ("RIGHT PART OF ORDER BY") and
PostgreSQL put an incremental sort over the walk. Worse, on PostgreSQL the orders'
ties go by the ids' code points (``COLLATE "C"``), which an index of the database's
collation cannot give at all: the planner walked ``ix_orders_created`` over every
order of the shop, filtering the user's.

Now both indexes are (owner, created_at DESC, id), the orders' id under the "C"
collation on PostgreSQL (SQLite's BINARY already compares code points): a page is the
first entries of the index read forward, with no sort, on both engines. The column
sets are unchanged, so every other query reading them by owner (a review's verified
purchase reads the author's orders) reads them as before.

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    order_id = 'id COLLATE "C"' if postgresql else "id"
    _replace_index("ix_orders_user_created", "orders", f"user_id, created_at DESC, {order_id}",
                   postgresql=postgresql)
    _replace_index("ix_reviews_product_created", "reviews", "product_id, created_at DESC, id",
                   postgresql=postgresql)


def _replace_index(name: str, table: str, columns: str, *, postgresql: bool) -> None:
    """On PostgreSQL the new index is built beside the old one (writes of ``table`` wait,
    reads go on) and the old one dropped only then: a drop locks the table against
    reads too until the upgrade commits. SQLite cannot rename an index."""
    if postgresql:
        op.execute(f"CREATE INDEX {name}_new ON {table} ({columns})")
        op.drop_index(name, table_name=table)
        op.execute(f"ALTER INDEX {name}_new RENAME TO {name}")
    else:
        op.drop_index(name, table_name=table)
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")


def downgrade() -> None:
    op.drop_index("ix_reviews_product_created", table_name="reviews")
    op.create_index("ix_reviews_product_created", "reviews", ["product_id", "created_at", "id"])
    op.drop_index("ix_orders_user_created", table_name="orders")
    op.create_index("ix_orders_user_created", "orders", ["user_id", "created_at", "id"])
