"""PostgreSQL connections are pinged before use only after sitting idle in the pool; a
dead idle connection is replaced without the caller noticing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql import engine as engine_module
from shopcore.adapters.sql.engine import create_engine


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url, pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


def count_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pings: list[object] = []
    real_ping = engine.dialect.do_ping

    def ping(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    return pings


async def test_a_connection_in_steady_use_is_not_pinged(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 60.0)
    pings = count_pings(pg_engine, monkeypatch)
    pids = {await backend_pid(pg_engine) for _ in range(5)}
    assert len(pids) == 1 and pings == []


async def test_an_idle_connection_is_pinged_and_replaced_when_dead(
    pg_engine: AsyncEngine, postgres_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    pings = count_pings(pg_engine, monkeypatch)
    first = await backend_pid(pg_engine)
    assert len(pings) == 0  # a new connection is not pinged
    assert await backend_pid(pg_engine) == first  # alive: pinged, kept
    assert len(pings) == 1

    killer = create_engine(postgres_url)
    try:
        async with killer.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    finally:
        await killer.dispose()

    replaced = await backend_pid(pg_engine)  # no error reaches the caller
    assert replaced != first
    assert len(pings) == 2
