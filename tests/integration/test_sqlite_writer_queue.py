"""SQLite write units of work of one process take turns, first come first served,
instead of queueing in SQLite's busy handler; the turn is handed on at commit, at
rollback and on errors (how they share transactions: test_sqlite_group_commit.py)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork


async def test_many_concurrent_writers_all_commit(engine: AsyncEngine) -> None:
    order: list[int] = []

    async def write(number: int) -> None:
        async with SqlUnitOfWork(engine) as work:
            await work.carts.clear(f"user-{number}")
            await asyncio.sleep(0)  # others are queued meanwhile
            order.append(number)
            await work.commit()

    await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(40))), timeout=30)
    assert sorted(order) == list(range(40))


async def test_the_lock_is_given_back_after_an_error_and_after_commit(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(LookupError):
        async with SqlUnitOfWork(engine) as work:
            await work.carts.clear("someone")
            raise LookupError
    async with SqlUnitOfWork(engine) as work:  # not blocked by the failed one
        await work.commit()
        async with SqlUnitOfWork(engine) as after:  # nor by one that has committed
            await after.carts.clear("someone")
            await asyncio.wait_for(after.commit(), timeout=5)
    async with SqlUnitOfWork(engine):  # rolled back without commit: released too
        pass

    async def one_more() -> None:
        async with SqlUnitOfWork(engine) as work:
            await work.commit()

    await asyncio.wait_for(one_more(), timeout=5)
