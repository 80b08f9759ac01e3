"""The name orderings read a stored sort key: ``products.sort_name``, indexed.

The product list's ``name`` and ``-name`` orderings sorted by ``lower(name)``: on
PostgreSQL under the "C" collation, on SQLite by its built-in ``lower()``. Both fold
ASCII letters only, so "Éclair" came after "Zebra" and "éclair" after "Éclair";
SQLite's ``lower()`` is another function in a build with ICU (it folds every letter
there), and no index held that expression: every visible product was sorted for each
page (100,000 demo products: 40-76 ms on PostgreSQL, 160-316 ms on SQLite).

Now the key is computed in Python, by ``shopcore.domain.catalog.name_sort_key`` (the
name folded as search folds it: case, the accents of Latin, Greek and Cyrillic letters
and the nukta ignored; cut to 200 characters), written with the name, and compared
byte by byte: the column's collation is "C" on PostgreSQL, whatever the database's
locale, SQLite compares text with BINARY. UTF-8 bytes sort as code points, as Python
compares the in-memory catalog's keys, so every store lists the same order. The
index ``ix_products_sort_name`` (archived, sort_name, id) serves both orderings (the
descending one read backwards, ties by ascending id sorted within equal keys); it
replaces ``ix_products_name`` (archived, name, id), which no query used.

The upgrade fills the key of every product, 1,000 at a time, with this release's
``name_sort_key``; a later change of the key needs a migration that fills it again. A
product written by code that does not know the column (a process of the release
before, during a rolling deploy, or plain SQL) gets '' and sorts first, on every
store, until it is saved again; a rename by such a process leaves the old key.

At 100,000 demo products the upgrade takes ~1.7 s on SQLite (the file grows from 89 to
94 MB) and ~6.4 s on PostgreSQL, which writes a new version of every row (``products``
grows from 65 to 134 MB until that space is reused; ``VACUUM FULL`` gives it back) and
holds the table's lock meanwhile: the catalog waits. A page of either name ordering
then reads 20 index entries: 160-174 → ~1 ms on SQLite, ~46 → ~1.6 ms on PostgreSQL
(in process, with its count).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shopcore.domain.catalog import name_sort_key

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_BATCH = 1000


def _fill_keys() -> None:
    """``name_sort_key`` of every product's name, in batches by id."""
    products = sa.table("products", sa.column("id", sa.Integer), sa.column("name", sa.Text),
                        sa.column("sort_name", sa.Text))
    read = sa.select(products.c.id, products.c.name) \
        .where(products.c.id > sa.bindparam("after")).order_by(products.c.id).limit(_BATCH)
    write = sa.update(products).where(products.c.id == sa.bindparam("product_id")) \
        .values(sort_name=sa.bindparam("key"))
    connection = op.get_bind()
    after = 0
    while rows := connection.execute(read, {"after": after}).all():
        connection.execute(write, [{"product_id": row.id, "key": name_sort_key(row.name)}
                                   for row in rows])
        after = rows[-1].id


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("products", sa.Column(
        "sort_name", sa.Text() if sqlite else sa.Text(collation="C"),
        nullable=False, server_default=sa.text("''")))
    _fill_keys()
    op.drop_index("ix_products_name", table_name="products")
    op.create_index("ix_products_sort_name", "products", ["archived", "sort_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_products_sort_name", table_name="products")
    op.execute("ALTER TABLE products DROP COLUMN sort_name")
    op.create_index("ix_products_name", "products", ["archived", "name", "id"])
