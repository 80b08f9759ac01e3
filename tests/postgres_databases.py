"""Fresh, empty PostgreSQL databases for tests that need one of their own, and the
migration tests' helpers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import alembic_config

POSTGRES_ADMIN_URL = os.environ.get(
    "SHOPCORE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> None:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def create_database(label: str = "fresh", options: str = "") -> str:
    """Create a new empty database (``options``: those of ``CREATE DATABASE``, such as its
    locale); its URL (fails loudly without PostgreSQL)."""
    name = f"shopcore_{label}_{uuid.uuid4().hex[:12]}"
    try:
        await _admin(f'CREATE DATABASE "{name}" {options}')
    except OSError as error:
        pytest.fail(f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {error}", pytrace=False)
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    """Drop the database of ``url`` (connections to it are ended)."""
    await _admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@asynccontextmanager
async def fresh_database(label: str = "fresh") -> AsyncIterator[str]:
    """The URL of a new empty database, dropped afterwards."""
    url = await create_database(label)
    try:
        yield url
    finally:
        await drop_database(url)


async def on_both_engines(tmp_path: Path, label: str,
                          check: Callable[[AsyncEngine], Awaitable[None]]) -> None:
    """Run ``check`` on an engine of a new SQLite file, then of a new PostgreSQL database
    (for migration tests, which start from an empty schema)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / f'{label}.db'}")
    try:
        await check(engine)
    finally:
        await engine.dispose()
    async with fresh_database(label) as url:
        engine = create_engine(url)
        try:
            await check(engine)
        finally:
            await engine.dispose()


def downgrade(connection: Connection, revision: str) -> None:
    """``alembic downgrade revision`` on ``connection`` (``await run_sync(downgrade, ...)``;
    the caller commits)."""
    command.downgrade(alembic_config(connection), revision)
