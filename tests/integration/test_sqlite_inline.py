"""SQLite statements run on the event loop's thread, and a database locked by another
connection is waited for with the event loop still serving."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, delete, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql import sqlite_inline
from shopcore.adapters.sql.driver import DriverStatement
from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import cart_lines
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.settings import Settings


@pytest.fixture
def other_writer(sqlite_engine: AsyncEngine) -> sqlite3.Connection:
    """A connection of 'another process' (the CLI, a second server) on the same file."""
    assert sqlite_engine.url.database is not None
    connection = sqlite3.connect(sqlite_engine.url.database, isolation_level=None)
    return connection


async def test_statements_run_on_the_event_loop_thread(sqlite_engine: AsyncEngine) -> None:
    threads: list[int] = []
    async with sqlite_engine.connect() as connection:
        raw = await connection.get_raw_connection()
        raw.driver_connection.create_function(  # type: ignore[union-attr]
            "whose_thread", 0, lambda: threads.append(threading.get_ident()) or 1)
        assert (await connection.execute(text("SELECT whose_thread()"))).scalar_one() == 1
    assert threads == [threading.get_ident()]


async def test_a_writer_waits_for_another_connection_without_blocking_the_loop(
    sqlite_engine: AsyncEngine, other_writer: sqlite3.Connection,
) -> None:
    other_writer.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def write() -> None:
        async with SqlUnitOfWork(sqlite_engine) as work:
            await work.carts.clear("someone")
            await work.commit()

    ticker = asyncio.create_task(tick())
    writer = asyncio.create_task(write())
    await asyncio.sleep(0.3)
    assert not writer.done()  # still waiting for the other connection's lock
    assert ticks >= 10  # and the loop went on meanwhile
    other_writer.execute("COMMIT")
    await asyncio.wait_for(writer, timeout=5)
    ticker.cancel()


async def test_a_lock_held_past_the_timeout_fails_the_statement(
    sqlite_engine: AsyncEngine, other_writer: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT_S", 0.2)
    other_writer.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="database is locked"):
        async with SqlUnitOfWork(sqlite_engine) as work:
            await work.commit()
    other_writer.execute("ROLLBACK")
    async with SqlUnitOfWork(sqlite_engine) as work:  # free again
        await work.carts.clear("someone")
        await work.commit()


async def test_executemany_outside_a_transaction_waits_too(
    sqlite_engine: AsyncEngine, other_writer: sqlite3.Connection,
) -> None:
    other_writer.execute("CREATE TABLE scratch (n INTEGER)")
    other_writer.execute("BEGIN IMMEDIATE")
    asyncio.get_running_loop().call_later(0.2, other_writer.execute, "COMMIT")

    def insert(sync_connection: object) -> int:
        raw = sync_connection.connection.driver_connection  # type: ignore[attr-defined]
        cursor = raw.cursor()
        cursor.executemany("INSERT INTO scratch (n) VALUES (?)", iter([(1,), (2,), (3,)]))
        return int(cursor.rowcount)

    async with sqlite_engine.connect() as connection:
        inserted = await asyncio.wait_for(connection.run_sync(insert), timeout=5)
    assert inserted == 3
    assert other_writer.execute("SELECT count(*) FROM scratch").fetchone() == (3,)


async def test_an_engine_on_thread_runs_statements_off_the_event_loop_thread(
    sqlite_engine: AsyncEngine,
) -> None:
    threads: list[int] = []
    threaded = create_engine(str(sqlite_engine.url.set(drivername="sqlite+aiosqlite")),
                             on_thread=True)

    @event.listens_for(threaded.sync_engine, "connect")
    def _register(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.create_function(
            "whose_thread", 0, lambda: threads.append(threading.get_ident()) or 1)

    try:
        async with threaded.connect() as connection:
            assert (await connection.execute(text("SELECT whose_thread()"))).scalar_one() == 1
    finally:
        await threaded.dispose()
    assert threads and threads[0] != threading.get_ident()


async def test_the_catalog_reads_through_a_threaded_engine_on_sqlite_only(
    database_url: str, tmp_path: Path,
) -> None:
    container = build_container(Settings(env="test", database_url=database_url,
                                         secret_key="s" * 40, media_dir=tmp_path / "media"))
    try:
        engine, catalog_engine = container.engine(), container.catalog_engine()
        if engine.dialect.name == "sqlite":
            assert catalog_engine is not engine
            assert catalog_engine.dialect.driver == "aiosqlite"
            assert engine.dialect.driver == sqlite_inline.DRIVER
        else:
            assert catalog_engine is engine
    finally:
        await close_container(container)


async def test_a_driver_statement_waits_for_another_connection_too(
    sqlite_engine: AsyncEngine, other_writer: sqlite3.Connection,
) -> None:
    clear = DriverStatement(delete(cart_lines).where(cart_lines.c.user_id == bindparam("id")))
    async with sqlite_engine.connect() as connection:
        # DEFERRED: the transaction takes the write lock at its first write, the
        # statement itself, which then finds the other connection's lock
        await connection.execution_options(sqlite_begin="DEFERRED")
        await connection.begin()
        other_writer.execute("BEGIN IMMEDIATE")
        asyncio.get_running_loop().call_later(0.2, other_writer.execute, "COMMIT")
        started = asyncio.get_running_loop().time()
        assert await clear.execute(connection, {"id": "nobody"}) == 0
        assert asyncio.get_running_loop().time() - started >= 0.15
        await connection.commit()
