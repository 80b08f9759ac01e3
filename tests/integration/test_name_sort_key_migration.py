"""Migration 0022: the upgrade fills ``products.sort_name`` of every product with
``name_sort_key`` and indexes it in place of ``ix_products_name``; the downgrade puts
that index back. A product written without the key (by the release before) sorts first,
on both engines, until it is saved again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.tables import products
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.pagination import PageRequest
from shopcore.application.ports import ProductFilters, ProductOrdering
from shopcore.domain.catalog import ProductChanges, name_sort_key
from tests.postgres_databases import downgrade, on_both_engines
from tests.support import insert_old_products

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
BY_NAME = ProductFilters(ordering=ProductOrdering.NAME)


async def test_the_sort_key_migration_fills_every_key_and_back(tmp_path: Path) -> None:
    await on_both_engines(tmp_path, "sort_name", _round_trip)


async def _names_in_order(engine: AsyncEngine) -> list[str]:
    page = await SqlProductCatalog(engine).list_products(BY_NAME, PageRequest(1, 100))
    return [product.name for product in page.items]


async def _indexes(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: {index["name"] for index in inspect(sync).get_indexes("products")})


async def _round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0021")
    await insert_old_products(engine, ["fruit"] * 3, created_at=NOW)  # "product 0".."2"
    await _rename_without_key(engine, {1: "Zebra", 2: "Éclair", 3: "apple"})

    await upgrade_database(engine)
    async with engine.connect() as connection:
        keys = (await connection.execute(
            select(products.c.name, products.c.sort_name).order_by(products.c.id))).all()
    assert [key for _, key in keys] == [name_sort_key(name) for name, _ in keys] == [
        "zebra", "eclair", "apple"]
    assert await _names_in_order(engine) == ["apple", "Éclair", "Zebra"]
    assert "ix_products_sort_name" in await _indexes(engine)
    assert "ix_products_name" not in await _indexes(engine)

    # The release before adds a product ('' sorts first) and renames one (the old key
    # stays), until they are saved again.
    await insert_old_products(engine, ["fruit"], created_at=NOW)  # "product 0"
    await _rename_without_key(engine, {3: "Yak"})
    assert await _names_in_order(engine) == ["product 0", "Yak", "Éclair", "Zebra"]
    async with SqlUnitOfWork(engine) as work:
        yak = await work.products.get(3)
        assert yak is not None
        await work.products.update(ProductChanges.create(description="saved").apply(yak, NOW))
        await work.commit()
    assert await _names_in_order(engine) == ["product 0", "Éclair", "Yak", "Zebra"]

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0021")
        await connection.commit()
        columns = await connection.run_sync(
            lambda sync: {column["name"] for column in inspect(sync).get_columns("products")})
    assert "sort_name" not in columns
    assert "ix_products_name" in await _indexes(engine)
    await upgrade_database(engine)  # fills every key again
    assert await _names_in_order(engine) == ["Éclair", "product 0", "Yak", "Zebra"]


async def _rename_without_key(engine: AsyncEngine, names: dict[int, str]) -> None:
    """Rename products with plain SQL, as code that does not know ``sort_name`` does."""
    async with engine.begin() as connection:
        for product_id, name in names.items():
            await connection.execute(
                products.update().where(products.c.id == product_id).values(name=name))
