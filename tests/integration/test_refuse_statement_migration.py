"""Migration 0014 on both engines: on PostgreSQL ``refuse_statement`` undoes the whole
statement that calls it, with the SQLSTATE the repositories recognise; its downgrade
removes it; SQLite gets nothing (and loses nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.concurrency import lost_a_race, was_refused
from shopcore.adapters.sql.migrate import upgrade_database
from tests.postgres_databases import downgrade, on_both_engines


async def test_the_refuse_statement_migration_round_trip_on_both_engines(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "refuse_statement", _round_trip)


async def _round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine)
    postgresql = engine.dialect.name == "postgresql"
    assert await _has_function(engine) is postgresql
    if postgresql:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE scratch (n integer)"))
            await connection.commit()
            with pytest.raises(DBAPIError) as raised:  # one statement, in autocommit
                await (await connection.execution_options(isolation_level="AUTOCOMMIT")
                       ).execute(text(
                           "WITH added AS (INSERT INTO scratch VALUES (1) RETURNING n) "
                           "SELECT CASE WHEN count(*) = 2 THEN true "
                           "ELSE refuse_statement('one row is not enough') END FROM added"))
            assert was_refused(raised.value) and not lost_a_race(raised.value)
            assert "one row is not enough" in str(raised.value)
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM scratch"))
                    ).scalar_one() == 0
            await connection.execute(text("DROP TABLE scratch"))
            await connection.commit()
    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0013")
        await connection.commit()
    assert not await _has_function(engine)
    await upgrade_database(engine)
    assert await _has_function(engine) is postgresql


async def _has_function(engine: AsyncEngine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    async with engine.connect() as connection:
        found = (await connection.execute(text(
            "SELECT count(*) FROM pg_proc WHERE proname = 'refuse_statement'"))).scalar_one()
    return bool(found)
