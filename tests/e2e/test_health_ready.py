"""/health/ready reports the database and, when configured, Redis."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.redis_rate_limiter import RedisRateLimiter
from shopcore.adapters.sql.engine import create_engine
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.http.app import create_app
from shopcore.entrypoints.http.controllers.health import database_state
from tests.e2e.conftest import app_settings
from tests.redis_service import REDIS_URL, connected_redis
from tests.support import sqlite_copy

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def client(tmp_path: Path) -> Client:
    @asynccontextmanager
    async def open_client(database_url: str, **overrides: object
                          ) -> AsyncIterator[httpx.AsyncClient]:
        container = build_container(app_settings(database_url, tmp_path / "media", **overrides))
        transport = httpx.ASGITransport(app=create_app(container=container))
        try:
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://testserver.local") as http:
                yield http
        finally:
            await close_container(container)

    return open_client


async def test_ready_without_redis_reports_only_the_database(
    client: Client, postgres_url: str
) -> None:
    async with client(postgres_url) as http:
        answer = await http.get("/health/ready")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "up", "redis": None}


async def test_ready_with_redis_reports_both(client: Client, postgres_url: str) -> None:
    await (await connected_redis()).aclose()  # Redis is required: fail loudly if down
    async with client(postgres_url, redis_url=REDIS_URL) as http:
        answer = await http.get("/health/ready")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "up", "redis": "up"}


async def test_ready_is_503_when_redis_is_down(client: Client, postgres_url: str) -> None:
    async with client(postgres_url, redis_url=f"redis://127.0.0.1:{closed_port()}/0") as http:
        answer = await http.get("/health/ready")
        assert (await http.get("/health/live")).status_code == 200
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "up", "redis": "down"}


async def test_ready_is_503_when_the_database_is_down(client: Client) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nothing"
    async with client(url, redis_url=REDIS_URL) as http:
        answer = await http.get("/health/ready")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "down", "redis": "up"}


def refusing_database_urls() -> list[str]:
    """URLs of a PostgreSQL server that answers but refuses the connection: asyncpg raises
    its own errors then, which SQLAlchemy does not wrap at connect."""
    server = "postgresql+asyncpg://{}@127.0.0.1:5432/{}"
    return [server.format("postgres", "shopcore_no_such_database"),  # missing database
            server.format("shopcore_no_such_role", "postgres")]  # unknown role


@pytest.mark.parametrize("url", refusing_database_urls())
async def test_ready_is_503_when_the_database_refuses_the_connection(
    client: Client, url: str
) -> None:
    async with client(url) as http:
        answer = await http.get("/health/ready")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "down", "redis": None}


@pytest.mark.parametrize("url", refusing_database_urls())
async def test_the_start_up_check_finds_a_refusing_database_down(url: str) -> None:
    # The start-up's warning about pending migrations asks the same question.
    engine = create_engine(url)
    try:
        assert await database_state(engine) == "down"
    finally:
        await engine.dispose()


async def test_ready_is_503_while_the_schema_needs_migrating(
    client: Client, database_url: str, engine: AsyncEngine
) -> None:
    async with engine.connect() as connection:
        head = (await connection.execute(VERSION)).scalar_one()

    async def ready_at(version: str | None) -> tuple[int, str]:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM alembic_version"))
            if version is not None:
                await connection.execute(
                    text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
        async with client(database_url) as http:
            answer = await http.get("/health/ready")
        return answer.status_code, answer.json()["database"]

    try:
        assert await ready_at("0024") == (503, "migrations_pending")  # an older release's
        assert await ready_at(None) == (503, "migrations_pending")
        assert await ready_at("0099") == (200, "up")  # a later release migrated it
    finally:
        assert await ready_at(head) == (200, "up")


async def test_ready_is_503_on_a_database_never_migrated(client: Client, tmp_path: Path) -> None:
    async with client(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}") as http:
        answer = await http.get("/health/ready")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "database": "migrations_pending",
                             "redis": None}


VERSION = text("SELECT version_num FROM alembic_version")


@pytest.mark.parametrize(("schema", "warned"), [("never migrated", True), ("migrated", False),
                                                ("database down", False)])
async def test_start_up_warns_when_the_schema_needs_migrating(
    schema: str, warned: bool, tmp_path: Path, sqlite_template: Path,
) -> None:
    url = {"never migrated": f"sqlite+aiosqlite:///{tmp_path / 'new.db'}",
           "migrated": sqlite_copy(sqlite_template, tmp_path),
           "database down": f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x"}[schema]
    # Litestar configures the root logger at start-up (caplog's handler goes with it):
    # the records are taken where they are made.
    records: list[logging.LogRecord] = []
    taken = logging.Handler(logging.WARNING)
    taken.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("shopcore.http")
    logger.addHandler(taken)
    container = build_container(app_settings(url, tmp_path / "media"))
    try:
        async with AsyncTestClient(app=create_app(container=container)) as http:
            assert (await http.get("/health/live")).status_code == 200  # it started
    finally:
        logger.removeHandler(taken)
        await close_container(container)
    warnings = [r.getMessage() for r in records if "shopcore db upgrade" in r.getMessage()]
    assert len(warnings) == (1 if warned else 0), warnings


def test_the_container_picks_the_limiter_from_the_settings(tmp_path: Path) -> None:
    with_redis = build_container(app_settings("sqlite+aiosqlite://", tmp_path,
                                              redis_url=REDIS_URL))
    without = build_container(app_settings("sqlite+aiosqlite://", tmp_path))
    limiter = with_redis.rate_limiter()
    assert isinstance(limiter, RedisRateLimiter)
    assert limiter._key("otp:ip:1.2.3.4", 3600) == "shopcore:rl:sliding:3600:otp:ip:1.2.3.4"
    assert type(without.rate_limiter()).__name__ == "MemoryRateLimiter"
    assert without.redis_client() is None
