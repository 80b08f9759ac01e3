"""PostgreSQL keeps one generic plan for placing an order (``_PLACE_ORDER``, and
``_PLACE_ORDER_IF_CART_UNCHANGED`` without the lock), and for adding to a known cart
(``_SET_CART_LINE_IF_AVAILABLE``); each plan must reach the products through their
primary key, never by reading the whole catalog (with the lines' count unknown, a plan
joining them to ``products`` by hash chose a sequential scan)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shopcore.adapters.sql.driver import DriverStatement
from shopcore.adapters.sql.repositories.shopping import (
    _PLACE_ORDER,
    _PLACE_ORDER_IF_CART_UNCHANGED,
    _SET_CART_LINE_IF_AVAILABLE,
)
from shopcore.adapters.sql.tables import products, users
from tests.support import empty_engine

NOW = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("statement", [
    _PLACE_ORDER, _PLACE_ORDER_IF_CART_UNCHANGED, _SET_CART_LINE_IF_AVAILABLE,
], ids=["locked", "if-cart-unchanged", "cart-line-if-available"])
async def test_the_generic_plan_of_placing_or_adding_reads_products_by_key(
    postgres_url: str, statement: DriverStatement,
) -> None:
    engine = await empty_engine(postgres_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(users).values(
                id="user-1", phone="+919876543210", is_admin=False, created_at=NOW))
            await add_analyzed_catalog(connection)
        prepared = statement.compiled(engine.dialect)
        values = {
            "lines": json.dumps([{"product_id": 1, "position": 0, "name": "Product 0",
                                  "unit_price_minor": 100, "quantity": 1}]),
            "id": "order-1", "user_id": "user-1", "status": "placed", "total_minor": 100,
            "currency": "INR", "shipping_address": "{}", "created_at": NOW,
            "updated_at": NOW, "cancelled_at": None, "idempotency_key": None,
            "request_hash": None, "cart_version": 0, "version": 0, "product_id": 1,
            "quantity": 1, "added_at": NOW}
        plan = await generic_plan(engine, prepared.sql,
                                  [values[name] for name in prepared.parameters])
        assert_reads_products_by_key(plan)
    finally:
        await engine.dispose()


async def add_analyzed_catalog(connection: AsyncConnection, count: int = 2000) -> None:
    """``count`` products, and statistics that make PostgreSQL's planner see them."""
    await connection.execute(insert(products), [
        {"name": f"Product {n}", "description": "", "price_minor": 100,
         "category": "things", "stock": 5, "archived": False, "created_at": NOW,
         "updated_at": NOW, "rating_count": 0, "rating_total": 0}
        for n in range(count)])
    await connection.execute(text("ANALYZE products"))


async def generic_plan(engine: AsyncEngine, sql: str, arguments: list[Any]) -> str:
    """PostgreSQL's generic plan of ``sql`` (as a prepared statement would keep it),
    explained inside a transaction that is rolled back."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute("SET plan_cache_mode = force_generic_plan")
        try:
            async with driver.transaction():
                rows = await driver.fetch("EXPLAIN " + sql, *arguments)
        finally:
            await driver.execute("RESET plan_cache_mode")
    return "\n".join(row[0] for row in rows)


def assert_reads_products_by_key(plan: str) -> None:
    assert "Seq Scan on products" not in plan, plan
    assert "products_pkey" in plan or "pk_products" in plan, plan
