"""The repository contract runs against the shipped fakes and both SQL engines."""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from shopcore.adapters.memory.catalog import MemoryProductCatalog
from shopcore.adapters.memory.unit_of_work import MemoryDatabase
from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.ports import ProductCatalog, UnitOfWorkFactory
from shopcore.domain.money import Money
from shopcore.domain.ordering import Order, OrderLine, OrderStatus, ShippingAddress
from shopcore.domain.phone import Phone
from tests.postgres_databases import create_database, drop_database
from tests.support import empty_engine, insert_order, sqlite_copy

STORES = ["memory", "sqlite", "postgresql"]
EVERY_COLLATION = [*STORES, "postgresql-en-US"]
"""The stores, and PostgreSQL once more on a database whose default collation is ICU's
``en-US`` (the test server's databases sort text by code point, ``C.UTF-8``, where
production databases mostly sort it by a language's rules): for contracts about the
order of text, which must not depend on the database's locale."""
EN_US_DATABASE = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
_T = TypeVar("_T")


def _in_own_loop(coroutine: Coroutine[Any, Any, _T]) -> _T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_en_us_url() -> Iterator[str]:
    """A migrated PostgreSQL database whose default collation is ICU's ``en-US``, for the
    run (a server without ICU fails the run: the contract is checked everywhere)."""
    url = _in_own_loop(create_database("en_us", EN_US_DATABASE))
    try:
        _in_own_loop(_migrated(url))
        yield url
    finally:
        _in_own_loop(drop_database(url))


def _sql_url(request: pytest.FixtureRequest) -> str:
    """The URL of an SQL store named by ``request.param`` (migrated; emptied by
    ``empty_engine``)."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"),
                           request.getfixturevalue("tmp_path"))
    if request.param == "postgresql-en-US":
        url: str = request.getfixturevalue("postgres_en_us_url")
        return url
    url = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=STORES)
async def uow(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    """A unit-of-work factory on an empty store of each kind."""
    async for units in _units_of_work(request):
        yield units.uow


@pytest.fixture(params=EVERY_COLLATION)
async def uow_every_collation(request: pytest.FixtureRequest
                              ) -> AsyncIterator[UnitOfWorkFactory]:
    """``uow``, and on PostgreSQL with an ``en-US`` default collation too."""
    async for units in _units_of_work(request):
        yield units.uow


@dataclass
class UnitsOfWork:
    """One empty store's units of work: ``uow`` and ``unlocked``, the one the use cases
    try first without a lock (``SqlUnitOfWork(autocommit=True)``; the fakes' own)."""

    uow: UnitOfWorkFactory
    unlocked: UnitOfWorkFactory


@pytest.fixture(params=STORES)
async def units_of_work(request: pytest.FixtureRequest) -> AsyncIterator[UnitsOfWork]:
    """``UnitsOfWork`` on an empty store of each kind."""
    async for units in _units_of_work(request):
        yield units


async def _units_of_work(request: pytest.FixtureRequest) -> AsyncIterator[UnitsOfWork]:
    if request.param == "memory":
        database = MemoryDatabase()
        yield UnitsOfWork(database.unit_of_work, database.unit_of_work)
        return
    engine = await empty_engine(_sql_url(request))
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


@pytest.fixture(params=STORES)
async def catalog_store(request: pytest.FixtureRequest) -> AsyncIterator[CatalogStore]:
    """A ``CatalogStore`` on an empty store of each kind."""
    async for store in _catalog_stores(request):
        yield store


@pytest.fixture(params=EVERY_COLLATION)
async def catalog_store_every_collation(request: pytest.FixtureRequest
                                        ) -> AsyncIterator[CatalogStore]:
    """``catalog_store``, and on PostgreSQL with an ``en-US`` default collation too."""
    async for store in _catalog_stores(request):
        yield store


async def _catalog_stores(request: pytest.FixtureRequest) -> AsyncIterator[CatalogStore]:
    if request.param == "memory":
        database = MemoryDatabase()
        yield CatalogStore(database.unit_of_work, MemoryProductCatalog(database),
                           functools.partial(record_memory_order, database))
        return
    engine = await empty_engine(_sql_url(request))
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
