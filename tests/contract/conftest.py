"""The repository contract runs against the shipped fakes and both SQL engines."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from shopcore.adapters.memory.catalog import MemoryProductCatalog
from shopcore.adapters.memory.unit_of_work import MemoryDatabase
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.ports import ProductCatalog, UnitOfWorkFactory
from shopcore.domain.money import Money
from shopcore.domain.ordering import Order, OrderLine, OrderStatus, ShippingAddress
from shopcore.domain.phone import Phone
from tests.support import empty_engine, insert_order, sqlite_copy


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def uow(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    """A unit-of-work factory on an empty store of each kind."""
    async for units in _units_of_work(request):
        yield units.uow


@dataclass
class UnitsOfWork:
    """One empty store's units of work: ``uow`` and ``unlocked``, the one the use cases
    try first without a lock (``SqlUnitOfWork(autocommit=True)``; the fakes' own)."""

    uow: UnitOfWorkFactory
    unlocked: UnitOfWorkFactory


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def units_of_work(request: pytest.FixtureRequest) -> AsyncIterator[UnitsOfWork]:
    """``UnitsOfWork`` on an empty store of each kind."""
    async for units in _units_of_work(request):
        yield units


async def _units_of_work(request: pytest.FixtureRequest) -> AsyncIterator[UnitsOfWork]:
    if request.param == "memory":
        database = MemoryDatabase()
        yield UnitsOfWork(database.unit_of_work, database.unit_of_work)
        return
    if request.param == "sqlite":
        url = sqlite_copy(request.getfixturevalue("sqlite_template"),
                          request.getfixturevalue("tmp_path"))
    else:
        url = request.getfixturevalue("postgres_url")
    engine = await empty_engine(url)
    yield UnitsOfWork(lambda: SqlUnitOfWork(engine),
                      lambda: SqlUnitOfWork(engine, autocommit=True))
    await engine.dispose()


# catalog: the read-side catalog beside the unit of work of the same store


@dataclass
class CatalogStore:
    """One store: its unit of work, its read-side catalog, and ``record_order`` writing
    an order of ``(product_id, quantity)`` lines the way the ordering feature stores it."""

    uow: UnitOfWorkFactory
    catalog: ProductCatalog
    record_order: Callable[..., Awaitable[str]]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def catalog_store(request: pytest.FixtureRequest) -> AsyncIterator[CatalogStore]:
    """A ``CatalogStore`` on an empty store of each kind."""
    if request.param == "memory":
        database = MemoryDatabase()
        yield CatalogStore(database.unit_of_work, MemoryProductCatalog(database),
                           functools.partial(record_memory_order, database))
        return
    if request.param == "sqlite":
        url = sqlite_copy(request.getfixturevalue("sqlite_template"),
                          request.getfixturevalue("tmp_path"))
    else:
        url = request.getfixturevalue("postgres_url")
    engine = await empty_engine(url)
    yield CatalogStore(lambda: SqlUnitOfWork(engine), SqlProductCatalog(engine),
                       functools.partial(insert_order, engine))
    await engine.dispose()


async def record_memory_order(
    database: MemoryDatabase,
    lines: Sequence[tuple[int, int]],
    *,
    status: str = "placed",
    created_at: datetime | None = None,
) -> str:
    """``insert_order`` for the in-memory store."""
    now = created_at or datetime.now(UTC)
    order_id = str(uuid.uuid4())
    order = Order(
        id=order_id, user_id="test-buyer", status=OrderStatus(status),
        lines=tuple(OrderLine(product_id, f"product {product_id}", Money(100), quantity)
                    for product_id, quantity in lines),
        total=Money(100 * sum(q for _, q in lines)),
        shipping_address=ShippingAddress("Buyer", "1 Road", None, "Pune", "MH", "411001",
                                         Phone("+919000000001")),
        created_at=now, cancelled_at=now if status == "cancelled" else None, updated_at=now)
    database.state.orders[order_id] = order
    return order_id
