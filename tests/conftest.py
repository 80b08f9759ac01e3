"""Fixtures shared by the whole suite: both database engines, migrated once per run."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import upgrade_database
from tests.support import empty_engine, sqlite_copy

POSTGRES_ADMIN_URL = os.environ.get(
    "SHOPCORE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def _loggers_left_as_found() -> Iterator[None]:
    """A test that runs the CLI in process (whose ``dictConfig`` gives ``shopcore``,
    ``httpx`` and ``uvicorn`` their own stderr handlers and stops their propagation)
    leaves those loggers as it found them: later tests read their records with caplog."""
    loggers = [logger for logger in logging.Logger.manager.loggerDict.values()
               if isinstance(logger, logging.Logger)]
    states = [(logger, logger.level, logger.propagate, logger.disabled, logger.handlers[:])
              for logger in loggers]
    yield
    for logger, level, propagate, disabled, handlers in states:
        logger.setLevel(level)
        logger.propagate, logger.disabled, logger.handlers[:] = propagate, disabled, handlers


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up work in its own loop and thread (fixtures may ask from inside a loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


async def _admin_execute(sql: str) -> None:
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated once, dropped at the end.

    PostgreSQL is required: an unreachable server fails the run, it never skips.
    """
    name = f"shopcore_test_{uuid.uuid4().hex[:12]}"
    try:
        _run(_admin_execute(f'CREATE DATABASE "{name}"'))
    except OSError as error:
        pytest.fail(f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL}: {error}", pytrace=False)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    _run(_migrate(url))
    yield url
    _run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated database, once per engine (emptied by ``engine``)."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a migrated SQLite file of its own (for SQLite's own behaviour)."""
    engine = create_engine(sqlite_copy(sqlite_template, tmp_path))
    yield engine
    await engine.dispose()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database."""
    engine = await empty_engine(database_url)
    yield engine
    await engine.dispose()
