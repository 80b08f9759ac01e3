"""A category's list reads an index of that category in the list's order.

With a category filter, each ordering walked the index of its order over every visible
product, skipping those of other categories, or read the category's products and
sorted them all: on SQLite, which shopcore leaves without ``ANALYZE`` statistics, the
walk always. At 100,000 demo products in 20 categories, the first page of one category
by name took up to 88 ms on SQLite (80.9 ms "mobile"; a category of 3 products: 147
ms) and 37 ms on PostgreSQL; by price 60-141 ms and 27 ms; by time up to 36 ms on
SQLite for a small category. Each of these indexes holds a category's visible products
in one order, so a page reads its 20 entries (0.6-0.8 ms on SQLite, 0.9-1.2 ms on
PostgreSQL, in process with its count, whatever the ordering and category):

- ``ix_products_category_listing`` (archived, category, created_at, id)
- ``ix_products_category_price`` (archived, category, price_minor, id)
- ``ix_products_category_sort_name`` (archived, category, sort_name, id)

They replace ``ix_products_category`` (archived, category, id), whose columns lead each
of them. Writes that change none of these columns (stock, ratings) are not slowed. At
100,000 products the upgrade takes ~1 s on either engine; on PostgreSQL the indexes
take 4.6, 4.6 and 6.6 MB.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 16:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_INDEXES = (("ix_products_category_listing", "created_at"),
            ("ix_products_category_price", "price_minor"),
            ("ix_products_category_sort_name", "sort_name"))


def upgrade() -> None:
    for name, ordered_by in _INDEXES:
        op.create_index(name, "products", ["archived", "category", ordered_by, "id"])
    op.drop_index("ix_products_category", table_name="products")


def downgrade() -> None:
    op.create_index("ix_products_category", "products", ["archived", "category", "id"])
    for name, _ in _INDEXES:
        op.drop_index(name, table_name="products")
