"""Direct PostgreSQL reads (one round trip on an asyncpg pool of their own): the same
product as through the engine, every committed write seen at once, the engine's answer
whenever the pool cannot read, and the pool closed with the engine."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.postgres_direct import (
    APPLICATION_NAME,
    PostgresDirectConnections,
    _connect_arguments,
)
from shopcore.adapters.sql.queries.catalog import VISIBLE, SqlProductCatalog
from shopcore.adapters.sql.repositories.catalog import PRODUCT_COLUMNS, product_from_row
from shopcore.adapters.sql.tables import products
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.catalog import Product, ProductChanges, ProductDraft
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.settings import Settings
from tests.integration.test_place_order_plan import (
    add_analyzed_catalog,
    assert_reads_products_by_key,
    generic_plan,
)
from tests.support import empty_engine

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 10, 5, tzinfo=UTC)
BY_ID = select(*PRODUCT_COLUMNS).where(products.c.id == bindparam("product_id"), VISIBLE)


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await empty_engine(postgres_url)
    yield engine
    await engine.dispose()


async def add_products(engine: AsyncEngine, count: int) -> list[Product]:
    async with SqlUnitOfWork(engine) as work:
        made = [await work.products.add(
            ProductDraft.create(f"Kettle {n}", "steel", f"{n}99.50", "kitchen", n), NOW)
            for n in range(1, count + 1)]
        await work.commit()
    return made


async def direct_connections(engine: AsyncEngine) -> int:
    """The direct pool's open connections to this database (as the server sees them)."""
    query = select(func.count()).select_from(text("pg_stat_activity")).where(
        text("datname = current_database() AND application_name = :name")
        .bindparams(name=APPLICATION_NAME))
    async with engine.connect() as connection:
        return int(await connection.scalar(query) or 0)


async def settle(engine: AsyncEngine, expected: int) -> int:
    """The direct connections once the server has caught up (backends end shortly
    after their client says goodbye)."""
    for _ in range(100):
        count = await direct_connections(engine)
        if count == expected:
            break
        await asyncio.sleep(0.02)
    return count


def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port: int = listener.getsockname()[1]
    return port


async def test_direct_reads_match_the_engine_and_see_every_commit(engine: AsyncEngine) -> None:
    made = await add_products(engine, 3)
    reader = PostgresDirectConnections(engine)
    prepared = reader.prepare(BY_ID)
    assert reader.available and "$1" in prepared.sql
    for product in made:
        rows = await reader.fetch(prepared, {"product_id": product.id})
        assert rows is not None and len(rows) == 1
        async with SqlUnitOfWork(engine, read_only=True) as work:
            assert product_from_row(rows[0], "INR") == await work.products.get(product.id)
        assert product_from_row(rows[0], "INR") == product
    assert await reader.fetch(prepared, {"product_id": made[-1].id + 1}) == []

    catalog = SqlProductCatalog(engine)
    assert await catalog.get_visible(made[0].id) == made[0]
    changed = ProductChanges.create(name="Teapot", stock=0).apply(made[0], LATER)
    async with SqlUnitOfWork(engine) as work:  # committed through the engine...
        await work.products.update(changed)
        await work.commit()
    assert await catalog.get_visible(made[0].id) == changed  # ...and seen at once
    async with SqlUnitOfWork(engine) as work:
        await work.products.update(changed.archive(LATER))
        await work.commit()
    assert await catalog.get_visible(made[0].id) is None
    assert await reader.fetch(prepared, {"product_id": made[0].id}) == []
    assert await catalog.get_visible(made[1].id) == made[1]
    assert await catalog.get_visible(made[-1].id + 1) is None


async def test_concurrent_first_reads_all_get_their_product(engine: AsyncEngine) -> None:
    made = await add_products(engine, 20)
    catalog = SqlProductCatalog(engine)
    found = await asyncio.gather(*[catalog.get_visible(p.id) for p in made * 5])
    # The first read makes the pool and reads directly, the others meanwhile through
    # the engine: every one gets its product.
    assert found == made * 5
    assert await direct_connections(engine) >= 1


async def test_a_pool_that_cannot_connect_leaves_the_reads_to_the_engine(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await add_products(engine, 1)
    catalog = SqlProductCatalog(engine)
    reader = catalog._postgres_direct
    assert reader is not None
    good_port = reader._connect["port"]  # type: ignore[index]
    reader._connect["port"] = closed_port()  # type: ignore[index]
    assert await catalog.get_visible(made[0].id) == made[0]  # through the engine
    prepared = reader.prepare(BY_ID)
    assert await reader.fetch(prepared, {"product_id": made[0].id}) is None

    # Resting: no new attempt for a while, then a new pool, once the server answers.
    reader._connect["port"] = good_port  # type: ignore[index]
    assert await reader.fetch(prepared, {"product_id": made[0].id}) is None
    monkeypatch.setattr(reader, "_resting_until", 0.0)
    rows = await reader.fetch(prepared, {"product_id": made[0].id})
    assert rows is not None and product_from_row(rows[0], "INR") == made[0]


async def test_an_engine_on_a_closed_port_gets_none_without_raising() -> None:
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/x")
    try:
        reader = PostgresDirectConnections(engine)
        prepared = reader.prepare(BY_ID)
        assert await reader.fetch(prepared, {"product_id": 1}) is None
        assert await reader.fetch(prepared, {"product_id": 1}) is None  # resting
    finally:
        await engine.dispose()


async def test_connections_ended_by_the_server_are_replaced(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await add_products(engine, 1)
    catalog = SqlProductCatalog(engine)
    reader = catalog._postgres_direct
    assert reader is not None
    prepared = reader.prepare(BY_ID)
    assert await catalog.get_visible(made[0].id) == made[0]
    assert await settle(engine, 1) == 1
    async with engine.connect() as connection:
        await connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = :name"
        ).bindparams(name=APPLICATION_NAME))
    assert await settle(engine, 0) == 0
    # Reconnected by the pool, or (an error seen first) through the engine meanwhile.
    assert await catalog.get_visible(made[0].id) == made[0]
    monkeypatch.setattr(reader, "_resting_until", 0.0)
    rows = await reader.fetch(prepared, {"product_id": made[0].id})
    assert rows is not None and product_from_row(rows[0], "INR") == made[0]  # direct again
    assert await direct_connections(engine) >= 1


async def test_the_pool_is_closed_with_the_engine(postgres_url: str) -> None:
    engine = await empty_engine(postgres_url)
    observer = create_engine(postgres_url)
    try:
        made = await add_products(engine, 1)
        catalog = SqlProductCatalog(engine)
        assert await catalog.get_visible(made[0].id) == made[0]
        assert await settle(observer, 1) == 1
        await engine.dispose()
        assert await settle(observer, 0) == 0
        assert await catalog.get_visible(made[0].id) == made[0]  # usable again, as the
        assert await settle(observer, 1) == 1  # engine is after dispose
        await engine.dispose()
        assert await settle(observer, 0) == 0
    finally:
        await engine.dispose()
        await observer.dispose()


async def test_closing_the_container_closes_the_pool(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = await empty_engine(postgres_url)
    try:
        made = await add_products(engine, 1)
        settings = Settings.load({"SHOPCORE_ENV": "test", "SHOPCORE_DATABASE_URL": postgres_url,
                                  "SHOPCORE_READ_CACHE_MS": "0"}, workdir=tmp_path)
        container = build_container(settings)
        assert await container.get_product()(made[0].id) == made[0]
        assert await settle(engine, 1) == 1
        await close_container(container)
        assert await settle(engine, 0) == 0
    finally:
        await engine.dispose()


async def test_the_pool_connects_as_the_engine_does() -> None:
    engine = create_engine("postgresql+asyncpg://shop:s%40cret@db.example:6543/shop"
                           "?ssl=require&prepared_statement_cache_size=0")
    try:
        assert _connect_arguments(engine) == {
            "user": "shop", "password": "s@cret", "host": "db.example", "port": 6543,
            "database": "shop", "ssl": "require", "statement_cache_size": 0,
            "timeout": 5.0, "server_settings": {"application_name": APPLICATION_NAME}}
        sqlite = create_engine("sqlite+aiosqlite:///:memory:")
        assert not PostgresDirectConnections(sqlite).available
        await sqlite.dispose()
    finally:
        await engine.dispose()


async def test_reads_asked_together_share_a_statement_and_answer_as_the_engine(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = await add_products(engine, 40)
    async with SqlUnitOfWork(engine) as work:
        for product in made[:5]:
            await work.products.update(product.archive(LATER))
        await work.commit()
    catalog = SqlProductCatalog(engine)
    reader = catalog._postgres_direct
    assert reader is not None
    assert await catalog.get_visible(made[-1].id) == made[-1]  # the pool is made
    statements: list[int] = []
    fetch = reader.fetch

    async def counted(prepared: Any, parameters: Mapping[str, Any]) -> Sequence[Any] | None:
        statements.append(len(parameters))
        return await fetch(prepared, parameters)

    monkeypatch.setattr(reader, "fetch", counted)
    ids = [p.id for p in made] + [made[7].id, made[-1].id + 1, made[-1].id + 50]
    found = await asyncio.gather(*(catalog.get_visible(product_id) for product_id in ids))
    assert found == [None] * 5 + made[5:] + [made[7], None, None]
    assert statements == [32, 16]  # 32 ids, then the 11 others padded to 16


async def test_the_statements_of_several_ids_keep_a_generic_plan_by_key(
    engine: AsyncEngine
) -> None:
    made = await add_products(engine, 8)
    async with engine.begin() as connection:  # a catalog worth an index
        await add_analyzed_catalog(connection)
    catalog = SqlProductCatalog(engine)
    assert await catalog.get_visible(made[0].id) == made[0]  # the pool is made
    for _ in range(12):  # the plan cache tries custom plans five times first
        found = await asyncio.gather(*(catalog.get_visible(p.id) for p in made[:3]))
        assert found == made[:3]
    reader = catalog._postgres_direct
    assert reader is not None and reader._pool is not None
    (connection,) = reader._pool.idle
    plans = [row for row in await connection.fetch(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        if "FROM products" in row["statement"] and "$4" in row["statement"]]
    assert len(plans) == 1 and "$5" not in plans[0]["statement"], plans  # 3 ids -> 4
    assert plans[0]["generic_plans"] >= 6, plans
    plan = await generic_plan(engine, plans[0]["statement"], [p.id for p in made[:4]])
    assert_reads_products_by_key(plan)
