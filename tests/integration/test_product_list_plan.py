"""The product list reads each ordering's page through the index kept in that order, on
SQLite and PostgreSQL, and stops at the page: the name orderings through
``ix_products_sort_name`` (migration 0022; they sorted every visible product by
``lower(name)`` before), price and time through their own; a category's list through
the index of that category in that order (migration 0023; it walked the whole order
skipping other categories before). The descending orderings read their index
backwards and sort only the ties by id (SQLite's "RIGHT PART", PostgreSQL's
incremental sort)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.queries.catalog import SqlProductCatalog
from shopcore.adapters.sql.tables import products, with_derived_text
from shopcore.application.pagination import PageRequest
from shopcore.application.ports import ProductFilters, ProductOrdering
from tests.integration.test_best_sellers_plan import explain_prefix
from tests.support import statements_run

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
WORDS = ["Apple", "éclair", "Zebra", "Straße", "फ़ोन", "Яблоко", "ısparta", "Mango"]
INDEX_OF_FIELD = {"price": "ix_products_price", "name": "ix_products_sort_name",
                  "created_at": "ix_products_listing"}


async def add_named_catalog(engine: AsyncEngine, count: int = 3000) -> None:
    """``count`` products of varied names, prices and times, as the repository writes
    them, and statistics that make PostgreSQL's planner see them."""
    async with engine.begin() as connection:
        await connection.execute(insert(products), [with_derived_text({
            "name": f"{WORDS[n % len(WORDS)]} {n * 7919 % count}", "description": "",
            "price_minor": 100 * (n % 97),
            "category": "rare" if n % 100 == 1 else ("toys", "food")[n % 2],
            "stock": n % 3, "archived": n % 50 == 0,
            "created_at": NOW - timedelta(minutes=n % 500), "updated_at": NOW,
            "rating_count": 0, "rating_total": 0}) for n in range(count)])
        if engine.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE products"))


async def plan_of_list(engine: AsyncEngine, filters: ProductFilters) -> str:
    """The plan of the statement that reads the first page of ``filters``."""
    with statements_run(engine) as seen:
        page = await SqlProductCatalog(engine).list_products(filters, PageRequest(1, 20))
    assert len(page.items) == 20
    assert filters.category is None or {p.category for p in page.items} == {filters.category}
    (statement, parameters, _), = [run for run in seen if "LIMIT" in run.sql]
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(explain_prefix(engine) + statement,
                                                 parameters)).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("ordering", list(ProductOrdering), ids=str)
async def test_every_ordering_reads_its_page_through_its_index(
    engine: AsyncEngine, ordering: ProductOrdering,
) -> None:
    await add_named_catalog(engine)
    plan = await plan_of_list(engine, ProductFilters(ordering=ordering))
    index = INDEX_OF_FIELD[ordering.field]
    if engine.dialect.name == "sqlite":
        assert f"SEARCH products USING INDEX {index} (archived=?)" in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # no sort of every row
    else:
        assert f"Index Scan{' Backward' if ordering.descending else ''} using {index}" \
            in plan, plan
        assert "Seq Scan on products" not in plan, plan
        assert not re.search(r"(^|->)\s*Sort\s+\(", plan, re.MULTILINE), plan  # not a full sort


@pytest.mark.parametrize("category", ["toys", "rare"])
@pytest.mark.parametrize("ordering", list(ProductOrdering), ids=str)
async def test_a_categorys_list_reads_its_page_through_the_categorys_index(
    engine: AsyncEngine, ordering: ProductOrdering, category: str,
) -> None:
    await add_named_catalog(engine)
    plan = await plan_of_list(engine, ProductFilters(category=category, ordering=ordering))
    index = INDEX_OF_FIELD[ordering.field].replace("ix_products", "ix_products_category")
    if engine.dialect.name == "sqlite":
        assert f"SEARCH products USING INDEX {index} (archived=? AND category=?)" in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    else:
        assert f"Index Scan{' Backward' if ordering.descending else ''} using {index}" \
            in plan, plan
        assert "Seq Scan on products" not in plan, plan
        assert not re.search(r"(^|->)\s*Sort\s+\(", plan, re.MULTILINE), plan
