"""A fresh database for each run: a SQLite file in the run's folder, or a new database on
the PostgreSQL server of ``BENCH_DATABASE_URL``, dropped afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


@dataclass(frozen=True, slots=True)
class BenchDatabase:
    """The database a run seeds and serves from."""

    url: str
    engine: str
    """``sqlite`` or ``postgresql``."""


@contextmanager
def fresh_database(workdir: Path, server_url: str | None) -> Iterator[BenchDatabase]:
    """A new, empty database; a PostgreSQL one is dropped when the block ends."""
    if server_url is None:
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield BenchDatabase(url=f"sqlite+aiosqlite:///{path}", engine="sqlite")
        return
    server = make_url(server_url)
    if server.drivername != "postgresql+asyncpg":
        raise ValueError("BENCH_DATABASE_URL must be a postgresql+asyncpg:// URL")
    name = f"shopcore_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        yield BenchDatabase(url=url, engine="postgresql")
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(server_url: str, statement: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
