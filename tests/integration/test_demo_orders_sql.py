"""SeedDemoOrders on SQLite and PostgreSQL: the same history as on the in-memory store,
written in batches, with the sales tables exact afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.memory.basics import ManualClock
from shopcore.adapters.memory.unit_of_work import MemoryDatabase
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.ports import UnitOfWorkFactory
from shopcore.application.shopping import seed_demo_orders
from shopcore.application.shopping.seed_demo_orders import SeedDemoOrders, SeedDemoOrdersCommand
from shopcore.domain.catalog import ProductDraft
from tests.integration.test_product_sales import sales_aggregates, sales_tables

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


async def _catalog(uow: UnitOfWorkFactory) -> None:
    async with uow() as work:
        for number in range(30):
            await work.products.add(ProductDraft.create(
                f"product {number}", "", f"{10 + number}.50", "misc", 7), NOW)
        await work.commit()


async def test_the_history_matches_the_memory_store_and_the_sales_tables(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(seed_demo_orders, "BATCH_LINES", 200)  # several batches
    memory = MemoryDatabase()
    sql: UnitOfWorkFactory = lambda: SqlUnitOfWork(engine)  # noqa: E731
    for uow in (memory.unit_of_work, sql):
        await _catalog(uow)
    expected = await SeedDemoOrders(memory.unit_of_work, ManualClock(NOW))(
        SeedDemoOrdersCommand(order_lines=700))
    seeded = await SeedDemoOrders(sql, ManualClock(NOW))(SeedDemoOrdersCommand(order_lines=700))
    assert seeded == expected

    async with sql() as work:
        for order in memory.state.orders.values():
            assert await work.orders.get(order.id) == order
        assert await work.users.get_by_phone(next(iter(memory.state.users.values())).phone)
    assert await sales_tables(engine) == await sales_aggregates(engine)
