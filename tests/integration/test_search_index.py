"""SQLite's search index holds exactly the visible products (migration 0015), whatever
writes them, and the migration's upgrade and downgrade rebuild it.

FTS5's ``integrity-check`` with ``rank`` 1 compares the index with its external content
(the view ``products_visible``) and fails on any difference; the searches show which.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, insert, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.tables import products
from tests.postgres_databases import downgrade

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


async def _add(connection: AsyncConnection, name: str, *, archived: bool = False) -> int:
    product_id: int = (await connection.execute(insert(products).values(
        name=name, description="brews tea", price_minor=100, category="kitchen", stock=5,
        archived=archived, created_at=NOW, updated_at=NOW, rating_count=0, rating_total=0,
    ).returning(products.c.id))).scalar_one()
    return product_id


async def _found(connection: AsyncConnection, word: str) -> list[int]:
    """The ids the index finds for ``word``, after checking it against its content."""
    await connection.execute(text(
        "INSERT INTO products_fts(products_fts, rank) VALUES ('integrity-check', 1)"))
    rows = await connection.execute(text(
        "SELECT rowid FROM products_fts WHERE products_fts MATCH :word ORDER BY rowid"),
        {"word": word})
    return [row[0] for row in rows]


async def test_every_write_keeps_the_index_to_the_visible_products(
    sqlite_engine: AsyncEngine,
) -> None:
    async with sqlite_engine.begin() as connection:  # plain SQL: the triggers do it all
        teapot = await _add(connection, "Teapot")
        kettle = await _add(connection, "Kettle", archived=True)
        assert await _found(connection, "brews") == [teapot]

        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(name="Tea kettle"))
        assert await _found(connection, "teapot") == []
        assert await _found(connection, "kettle") == [teapot]

        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(archived=True))
        assert await _found(connection, "brews") == []
        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(name="Samovar"))  # renamed while archived
        assert await _found(connection, "samovar") == []

        await connection.execute(update(products).where(products.c.id.in_([teapot, kettle]))
                                 .values(archived=False))
        assert await _found(connection, "brews") == [teapot, kettle]
        assert await _found(connection, "samovar") == [teapot]

        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(stock=1))  # not a searched column: no re-index
        await connection.execute(update(products).where(products.c.id == kettle)
                                 .values(archived=True))
        archived_id = await _add(connection, "Archived urn", archived=True)
        await connection.execute(delete(products).where(products.c.id.in_(
            [teapot, archived_id])))
        assert await _found(connection, "brews") == []
        assert await _found(connection, "urn") == []


async def test_the_migration_drops_archived_products_from_the_index_and_back(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'search.db'}")
    try:
        await upgrade_database(engine, "0014")
        async with engine.begin() as connection:
            teapot = await _add(connection, "Teapot")
            kettle = await _add(connection, "Kettle", archived=True)
            assert await _found(connection, "brews") == [teapot, kettle]  # 0002: every one

        await upgrade_database(engine)
        async with engine.begin() as connection:
            assert await _found(connection, "brews") == [teapot]
            await connection.execute(update(products).where(products.c.id == kettle)
                                     .values(archived=False))
            assert await _found(connection, "kettle") == [kettle]
            await connection.execute(update(products).where(products.c.id == teapot)
                                     .values(archived=True))

        async with engine.connect() as connection:
            await connection.run_sync(downgrade, "0014")
            await connection.commit()
        async with engine.begin() as connection:
            assert await _found(connection, "brews") == [teapot, kettle]
            await connection.execute(update(products).where(products.c.id == kettle)
                                     .values(name="Urn"))  # 0002's triggers are back
            assert await _found(connection, "kettle") == []
            assert await _found(connection, "urn") == [kettle]
            views = await connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'view'"))
            assert views.all() == []
    finally:
        await engine.dispose()
