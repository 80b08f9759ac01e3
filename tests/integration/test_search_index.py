"""The search indexes hold the words of ``shopcore.domain.search`` (migration 0021):
SQLite's holds exactly the visible products (migration 0015), whatever writes them;
a row without words (written by code that does not know the columns) is indexed by its
raw text; the migrations' upgrades and downgrades rebuild the indexes and fill the
words of the products already there; a search uses the index.

FTS5's ``integrity-check`` with ``rank`` 1 compares the index with its external content
(the view ``products_visible``) and fails on any difference; the searches show which.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.queries.catalog import (
    _SEARCH_VECTOR,
    SqlProductCatalog,
    _TsvectorSearch,
)
from shopcore.adapters.sql.tables import products, with_search_text
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.pagination import PageRequest
from shopcore.application.ports import ProductImport
from shopcore.domain.catalog import ProductChanges, ProductDraft
from shopcore.domain.search import SearchTerms, search_text
from tests.integration.test_best_sellers_plan import explain_prefix
from tests.postgres_databases import downgrade, on_both_engines
from tests.support import PRODUCTS_SINCE_0002, statements_run

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _row(name: str, *, archived: bool = False, description: str = "brews tea") -> dict[str, Any]:
    return {"name": name, "description": description, "price_minor": 100,
            "category": "kitchen", "stock": 5, "archived": archived, "created_at": NOW,
            "updated_at": NOW, "rating_count": 0, "rating_total": 0}


async def _add(connection: AsyncConnection, name: str, *, archived: bool = False,
               words: bool = True, description: str = "brews tea") -> int:
    """A product inserted with plain SQL: with its words as the repository writes them,
    or (``words=False``) without, as code that does not know them does."""
    values = _row(name, archived=archived, description=description)
    product_id: int = (await connection.execute(
        insert(products).values(with_search_text(values) if words else values)
        .returning(products.c.id))).scalar_one()
    return product_id


async def _found(connection: AsyncConnection, word: str) -> list[int]:
    """The ids SQLite's index finds for ``word``, after checking it against its content."""
    await connection.execute(text(
        "INSERT INTO products_fts(products_fts, rank) VALUES ('integrity-check', 1)"))
    rows = await connection.execute(text(
        "SELECT rowid FROM products_fts WHERE products_fts MATCH :word ORDER BY rowid"),
        {"word": word})
    return [row[0] for row in rows]


async def _search(engine: AsyncEngine, q: str) -> list[str]:
    page = await SqlProductCatalog(engine).search(SearchTerms.parse(q), PageRequest(1, 50))
    return sorted(product.name for product in page.items)


async def test_every_write_keeps_the_index_to_the_visible_products(
    sqlite_engine: AsyncEngine,
) -> None:
    async with sqlite_engine.begin() as connection:  # plain SQL: the triggers do it all
        teapot = await _add(connection, "Teapot")
        kettle = await _add(connection, "Kettle", archived=True)
        assert await _found(connection, "brews") == [teapot]

        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(with_search_text({"name": "Tea kettle"})))
        assert await _found(connection, "teapot") == []
        assert await _found(connection, "kettle") == [teapot]

        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(archived=True))
        assert await _found(connection, "brews") == []
        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(with_search_text({"name": "Samovar"})))  # archived
        assert await _found(connection, "samovar") == []

        await connection.execute(update(products).where(products.c.id.in_([teapot, kettle]))
                                 .values(archived=False))
        assert await _found(connection, "brews") == [teapot, kettle]
        assert await _found(connection, "samovar") == [teapot]

        await connection.execute(update(products).where(products.c.id == teapot)
                                 .values(stock=1))  # not a searched column: no re-index
        await connection.execute(update(products).where(products.c.id == kettle)
                                 .values(archived=True))
        archived_id = await _add(connection, "Archived urn", archived=True)
        await connection.execute(delete(products).where(products.c.id.in_(
            [teapot, archived_id])))
        assert await _found(connection, "brews") == []
        assert await _found(connection, "urn") == []


async def test_sqlite_indexes_the_stored_words_as_they_are(sqlite_engine: AsyncEngine) -> None:
    """The ``ascii`` tokenizer splits the stored words at their spaces only: a Hindi word
    stays whole, an accent stays folded."""
    async with sqlite_engine.begin() as connection:
        phone = await _add(connection, "मोबाइल फ़ोन", description="Café")
        assert await _found(connection, '"फोन"') == [phone]
        assert await _found(connection, '"न"') == []  # "फोन" is not "फ" and "न"
        assert await _found(connection, '"cafe"') == [phone]
        assert await _found(connection, '"café"') == []


async def test_a_product_without_words_is_found_by_its_raw_text_until_it_is_saved(
    tmp_path: Path,
) -> None:
    """A process of the release before migration 0021 writes no words (NULL): the index
    reads the product's raw text, and its words once the repository saves it."""
    await on_both_engines(tmp_path, "raw_text", _without_words)


async def _without_words(engine: AsyncEngine) -> None:
    await upgrade_database(engine)
    async with engine.begin() as connection:
        product_id = await _add(connection, "Steel kettle", words=False,
                                description="Crème brûlée")
        stored = (await connection.execute(select(products.c.search_name).where(
            products.c.id == product_id))).scalar_one()
        assert stored is None
    assert await _search(engine, "kettle") == ["Steel kettle"]
    assert await _search(engine, "brul") == []  # the raw text is not folded

    async with SqlUnitOfWork(engine) as work:
        product = await work.products.get(product_id)
        assert product is not None
        await work.products.update(ProductChanges.create(name="Copper kettle")
                                   .apply(product, NOW))
        await work.commit()
    assert await _search(engine, "brul") == ["Copper kettle"]
    assert await _search(engine, "steel") == []


WORLDWIDE = [("मोबाइल फ़ोन", "स्मार्टफोन"), ("Café Crème", "3.5 mm"),
             ("Router", "support@example.com wi-fi_6")]


async def _found_in_raw_text(engine: AsyncEngine, word: str) -> list[str]:
    """The names the index of migration 0020 (over the raw text) finds for ``word``: the
    catalog of today cannot read a schema that old."""
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            ids = await _found(connection, word)
            found = select(products.c.name).where(products.c.id.in_(ids))
        else:
            found = select(products.c.name).where(text(
                "search_vector @@ to_tsquery('simple', :word)").bindparams(word=word))
        return sorted((await connection.execute(found)).scalars())


async def test_the_search_words_migration_fills_the_words_of_every_product_and_back(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "search_words", _words_round_trip)


async def _words_round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0020")
    async with engine.begin() as connection:
        await connection.execute(insert(PRODUCTS_SINCE_0002), [
            *(_row(name, description=description) for name, description in WORLDWIDE),
            _row("Archived kettle", archived=True)])

    await upgrade_database(engine)
    async with engine.connect() as connection:
        rows = (await connection.execute(select(
            products.c.name, products.c.description, products.c.search_name,
            products.c.search_description, products.c.search_category,
        ).order_by(products.c.id))).all()
    assert [tuple(row[2:]) for row in rows] == [
        (search_text(row.name), search_text(row.description), "kitchen") for row in rows]
    assert await _search(engine, "फोन") == ["मोबाइल फ़ोन"]
    assert await _search(engine, "स्मार्ट") == ["मोबाइल फ़ोन"]
    assert await _search(engine, "cafe 3.5") == ["Café Crème"]
    assert await _search(engine, "example.com wi") == ["Router"]
    assert await _search(engine, "kettle") == []

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0020")
        await connection.commit()
        columns = await connection.run_sync(
            lambda sync: {column["name"] for column in inspect(sync).get_columns("products")})
    assert not columns & {"search_name", "search_category", "search_description"}
    assert await _found_in_raw_text(engine, "router") == ["Router"]  # that index is back
    await upgrade_database(engine)
    assert await _search(engine, "crème") == ["Café Crème"]


async def test_the_migration_drops_archived_products_from_the_index_and_back(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'search.db'}")
    try:
        await upgrade_database(engine, "0014")
        async with engine.begin() as connection:
            teapot = await _add(connection, "Teapot", words=False)
            kettle = await _add(connection, "Kettle", archived=True, words=False)
            assert await _found(connection, "brews") == [teapot, kettle]  # 0002: every one

        await upgrade_database(engine, "0015")
        async with engine.begin() as connection:
            assert await _found(connection, "brews") == [teapot]
            await connection.execute(update(products).where(products.c.id == kettle)
                                     .values(archived=False))
            assert await _found(connection, "kettle") == [kettle]
            await connection.execute(update(products).where(products.c.id == teapot)
                                     .values(archived=True))

        async with engine.connect() as connection:
            await connection.run_sync(downgrade, "0014")
            await connection.commit()
        async with engine.begin() as connection:
            assert await _found(connection, "brews") == [teapot, kettle]
            await connection.execute(update(products).where(products.c.id == kettle)
                                     .values(name="Urn"))  # 0002's triggers are back
            assert await _found(connection, "kettle") == []
            assert await _found(connection, "urn") == [kettle]
            views = await connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'view'"))
            assert views.all() == []
    finally:
        await engine.dispose()


async def test_a_search_finds_its_matches_through_the_index(engine: AsyncEngine) -> None:
    """SQLite: the statement matches in ``products_fts`` and reads ``products`` by id.
    PostgreSQL: the statement's match (a ``tsquery`` cast from a parameter) is one the
    GIN index serves; the planner reads it rather than the table once the catalog is
    large (at 100,000 demo products "phone" reads its 3,755 rows through it), a table of
    this size it reads whole."""
    async with SqlUnitOfWork(engine) as work:
        await work.products.add_many([ProductImport(ProductDraft.create(
            f"{'Phone' if n % 50 == 0 else 'Lamp'} {n}", "bright", "10.00", "things", 5), NOW)
            for n in range(2000)])
        await work.commit()
    with statements_run(engine) as seen:
        page = await SqlProductCatalog(engine).search(SearchTerms.parse("phone"),
                                                      PageRequest(1, 20))
    assert page.count == 40
    if engine.dialect.name == "postgresql":
        matching = select(products.c.id).where(
            _SEARCH_VECTOR.op("@@")(_TsvectorSearch._tsquery(["phone"])))  # noqa: SLF001
        sql = matching.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            rows = (await connection.exec_driver_sql(f"EXPLAIN {sql}")).all()
        plan = "\n".join(str(row[0]) for row in rows)
        assert "Bitmap Index Scan on ix_products_search_vector" in plan, plan
        return
    (statement, parameters, _), = [run for run in seen if "MATCH" in run.sql]
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(explain_prefix(engine) + statement,
                                                 parameters)).all()
    plan = "\n".join(str(row[-1]) for row in rows)
    assert "products_fts VIRTUAL TABLE INDEX" in plan, plan
    assert "SCAN products" not in plan.replace("SCAN products_fts", ""), plan
