"""The benchmark settles its database after the bulk load: vacuumed and analyzed on
PostgreSQL, the WAL checkpointed on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench import seed
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.tables import users


async def test_the_loaded_database_is_settled(
    engine: AsyncEngine, database_url: str,
) -> None:
    async with engine.begin() as connection:  # a load to settle
        await connection.execute(users.insert(), [
            {"id": f"user-{n}", "phone": f"+9199000{n:05d}", "is_admin": False,
             "created_at": datetime.now(UTC)} for n in range(50)])
    await seed.settle(database_url)
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            vacuumed = (await connection.execute(text(
                "SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                "FROM pg_stat_user_tables WHERE relname = 'products'"))).scalar_one()
            assert vacuumed
        else:
            assert engine.url.database is not None
            assert Path(engine.url.database + "-wal").stat().st_size == 0  # checkpointed
