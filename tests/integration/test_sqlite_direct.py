"""Direct SQLite reads (on the event loop's thread): the same product as through the
engine, every committed write seen at once, and the engine's answer whenever the
direct connection cannot read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import false, select

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.sqlite_direct import SqliteDirectReader
from shopcore.adapters.sql.tables import products
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.catalog import ProductDraft
from tests.support import sqlite_copy

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


async def test_direct_reads_match_the_engine_and_see_every_commit(
    sqlite_template: Path, tmp_path: Path
) -> None:
    engine = create_engine(sqlite_copy(sqlite_template, tmp_path))
    try:
        catalog = SqlProductCatalog(engine)
        async with SqlUnitOfWork(engine) as work:
            made = await work.products.add(
                ProductDraft.create("Kettle", "steel", "999.50", "kitchen", 3), NOW)
            await work.commit()
        assert await catalog.get_visible(made.id) == made
        async with SqlUnitOfWork(engine) as work:
            await work.products.update(made.archive(NOW))
            await work.commit()
        assert await catalog.get_visible(made.id) is None
        assert await catalog.get_visible(made.id + 1) is None
    finally:
        await engine.dispose()


async def test_the_reader_steps_aside_when_it_cannot_read(tmp_path: Path) -> None:
    statement = select(products.c.id).where(products.c.archived == false())
    memory = SqliteDirectReader(create_engine("sqlite+aiosqlite:///:memory:"))
    assert not memory.available
    assert memory.fetch(memory.prepare(statement), {}) is None
    missing = SqliteDirectReader(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no.db'}"))
    assert missing.fetch(missing.prepare(statement), {}) is None  # no file: not created
    assert not (tmp_path / "no.db").exists()
