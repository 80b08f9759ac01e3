"""Migration 0024: the spellings of a category stored before (precomposed or decomposed
accents, runs of spaces) become one category in ``normalise_category``'s form, on SQLite
and PostgreSQL, with one exact row of ``product_counts``; the list's filter, its count
and the search find every product of it; a later write in any spelling counts there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.tables import product_counts, products
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.pagination import PageRequest
from shopcore.application.ports import ProductFilters, ProductOrdering
from shopcore.domain.catalog import ProductDraft, normalise_category
from shopcore.domain.search import SearchTerms
from tests.postgres_databases import downgrade, on_both_engines
from tests.support import insert_old_products

NOW = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
COMPOSED = "\u00e9lectronique"
DECOMPOSED = "e\u0301lectronique"
TOO_LONG = "\u0958" * 100  # NFC: U+0915 U+093C each, 200 characters


async def test_the_migration_merges_the_spellings_of_a_category_with_exact_counts(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "category_nfc", _round_trip)


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    """``product_counts`` as it is, every row."""
    async with engine.connect() as connection:
        return {row.category: row.visible
                for row in await connection.execute(
                    select(product_counts.c.category, product_counts.c.visible))}


async def _aggregate(engine: AsyncEngine) -> dict[str, int]:
    """The visible products per category, counted from ``products``."""
    async with engine.connect() as connection:
        return {row[0]: int(row[1]) for row in await connection.execute(
            select(products.c.category, func.count()).where(products.c.archived.is_(False))
            .group_by(products.c.category))}


async def _listed(engine: AsyncEngine, category: str) -> tuple[list[str], int]:
    filters = ProductFilters(category=normalise_category(category),
                             ordering=ProductOrdering.NAME)
    page = await SqlProductCatalog(engine).list_products(filters, PageRequest(1, 50))
    return [product.name for product in page.items], page.count


async def _round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0023")
    # The release before stored what it was given, stripped and lower-cased only.
    await insert_old_products(engine, [
        COMPOSED, DECOMPOSED, DECOMPOSED, COMPOSED, "home  garden", "home garden",
        "home \u00a0garden", "electronique", TOO_LONG], created_at=NOW)
    async with engine.begin() as connection:  # "product 3" archived: not counted
        await connection.execute(update(products).where(products.c.id == 4)
                                 .values(archived=True))
    before = await _counts(engine)
    assert before[COMPOSED] == 1 and before[DECOMPOSED] == 2
    assert before["home  garden"] == before["home garden"] == 1
    async with engine.connect() as connection:  # what the bug looked like (read in SQL:
        # this release's catalog reads columns that 0023 did not have)
        listed = (await connection.execute(select(func.count()).where(
            products.c.category == normalise_category(COMPOSED),
            products.c.archived.is_(False)))).scalar_one()
    assert listed == 1

    await upgrade_database(engine)
    expected = {COMPOSED: 3, "home garden": 3, "electronique": 1, TOO_LONG: 1}
    assert await _counts(engine) == await _aggregate(engine) == expected
    assert await _listed(engine, DECOMPOSED) == (["product 0", "product 1", "product 2"], 3)
    assert await _listed(engine, COMPOSED) == (["product 0", "product 1", "product 2"], 3)
    assert await _listed(engine, "Home Garden") == (
        ["product 4", "product 5", "product 6"], 3)
    assert await _listed(engine, "electronique") == (["product 7"], 1)
    found = await SqlProductCatalog(engine).search(SearchTerms.parse(COMPOSED),
                                                   PageRequest(1, 50))
    # The moved products are found by their new category's words (written with it).
    assert {"product 1", "product 2"} <= {product.name for product in found.items}

    # A write in either spelling now counts in the one row.
    async with SqlUnitOfWork(engine) as work:
        await work.products.add(ProductDraft.create("new", "", "1.00", DECOMPOSED), NOW)
        await work.commit()
    assert await _counts(engine) == await _aggregate(engine) == {**expected, COMPOSED: 4}

    # The downgrade keeps the normal form; upgrading again changes nothing.
    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0023")
        await connection.commit()
    assert await _counts(engine) == {**expected, COMPOSED: 4}
    await upgrade_database(engine)
    assert await _counts(engine) == await _aggregate(engine) == {**expected, COMPOSED: 4}
