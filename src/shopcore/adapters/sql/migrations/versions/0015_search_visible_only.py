"""SQLite's search index holds the visible products only.

``products_fts`` indexed every product, archived ones too, so a search joined each of
its matches to ``products`` to drop the archived: a lookup per match, most of a search's
time on a large catalog. It is rebuilt over the view ``products_visible`` (its external
content), and its triggers add a product when it is inserted or un-archived and remove
it when it is archived or deleted. A search then counts and ranks its matches in the
index alone and reads ``products`` for one page. FTS5's ``rebuild`` and
``integrity-check`` commands keep working: they read the view.

PostgreSQL needs nothing: its ``search_vector`` lives in the product's own row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 18:40:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TRIGGERS = ("products_fts_insert", "products_fts_delete", "products_fts_update")
_TOKENIZE = "tokenize='unicode61 remove_diacritics 2', prefix='2 3 4'"
_DELETE = """INSERT INTO products_fts(products_fts, rowid, name, category, description)
    SELECT 'delete', old.id, old.name, old.category, old.description"""
_INSERT = """INSERT INTO products_fts(rowid, name, category, description)
    SELECT new.id, new.name, new.category, new.description"""

_VISIBLE_ONLY = [
    """CREATE VIEW products_visible AS
        SELECT id, name, category, description FROM products WHERE NOT archived""",
    f"""CREATE VIRTUAL TABLE products_fts USING fts5(
        name, category, description,
        content='products_visible', content_rowid='id', {_TOKENIZE})""",
    "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
    f"""CREATE TRIGGER products_fts_insert AFTER INSERT ON products
        WHEN NOT new.archived BEGIN
        {_INSERT};
    END""",
    f"""CREATE TRIGGER products_fts_delete AFTER DELETE ON products
        WHEN NOT old.archived BEGIN
        {_DELETE};
    END""",
    f"""CREATE TRIGGER products_fts_update
        AFTER UPDATE OF name, category, description, archived ON products BEGIN
        {_DELETE} WHERE NOT old.archived;
        {_INSERT} WHERE NOT new.archived;
    END""",
]

_EVERY_PRODUCT = [  # migration 0002's index
    f"""CREATE VIRTUAL TABLE products_fts USING fts5(
        name, category, description,
        content='products', content_rowid='id', {_TOKENIZE})""",
    "INSERT INTO products_fts(products_fts) VALUES ('rebuild')",
    f"""CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
        {_INSERT};
    END""",
    f"""CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
        {_DELETE};
    END""",
    f"""CREATE TRIGGER products_fts_update AFTER UPDATE OF name, category, description
        ON products BEGIN
        {_DELETE};
        {_INSERT};
    END""",
]


def _drop_index() -> None:
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS products_fts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_index()
    for statement in _VISIBLE_ONLY:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_index()
    op.execute("DROP VIEW IF EXISTS products_visible")
    for statement in _EVERY_PRODUCT:
        op.execute(statement)
