"""The SQL read-side catalog: list, detail, full-text search and best sellers.

Every method runs at most two statements (the days with sales and a window's best
sellers, or one query) on a connection of its own; a list reads its page and its count
in one statement (``paging.read_page``: on PostgreSQL two statements would each have a
snapshot of their own), and so does a search, which counts its matches in the
statement that ranks them. A product by id is read without the engine
(``sqlite_direct``, ``postgres_direct``); on PostgreSQL the ids asked for together share
one statement (``coalesced_reads``).
On SQLite the read transaction is ``BEGIN DEFERRED``, so reads never wait for (or
take) the write lock. Search uses the engine's own index: the FTS5 table
``products_fts`` of the visible products on SQLite, the ``search_vector`` tsvector
column (GIN index) on PostgreSQL; both are kept in sync by the database in the writing
transaction. Both index the words that ``shopcore.domain.search`` made of the product's
text (the ``search_*`` columns, migration 0021), as the engine finds them: neither
engine's own tokenizer cuts or folds anything, so a term matches what it matches on
the in-memory catalog. Only the words of the user's query reach the search syntax,
always as bound parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Subquery,
    Text,
    TextClause,
    bindparam,
    case,
    cast,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shopcore.adapters.sql.coalesced_reads import CoalescedReads
from shopcore.adapters.sql.engine import is_sqlite, read_connection
from shopcore.adapters.sql.paging import read_page
from shopcore.adapters.sql.postgres_direct import PostgresDirectConnections
from shopcore.adapters.sql.prepared import Prepared, prepare
from shopcore.adapters.sql.queries.product_counts import kept_count
from shopcore.adapters.sql.repositories.catalog import (
    PRODUCT_COLUMNS,
    is_storable_id,
    product_from_row,
)
from shopcore.adapters.sql.sqlite_direct import SqliteDirectReader
from shopcore.adapters.sql.tables import (
    order_lines,
    orders,
    product_sales,
    product_sales_daily,
    products,
)
from shopcore.application.pagination import Page, PageRequest
from shopcore.application.ports import BestSeller, ProductFilters, ProductOrdering
from shopcore.domain.catalog import Product
from shopcore.domain.ordering import OrderStatus
from shopcore.domain.search import SearchTerms

VISIBLE = products.c.archived == false()
_FTS = table("products_fts", column("rowid", Integer))
"""SQLite's FTS5 index of the visible products (migrations 0002 and 0015, not in
``metadata``)."""
_SEARCH_VECTOR: ColumnElement[Any] = literal_column("products.search_vector")
"""PostgreSQL's generated tsvector column of ``products`` (migrations 0002 and 0021)."""


class SqlProductCatalog:
    """``ProductCatalog`` on SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine, currency: str = "INR") -> None:
        self._engine = engine
        self._currency = currency
        self._sqlite = is_sqlite(engine)
        self._search: _SearchDialect = _Fts5Search() if self._sqlite else _TsvectorSearch()
        # SQLite's planner would walk every visible product through an index on
        # ``archived`` and sort them all; the unary ``+`` keeps that index out of the
        # plan, so the best sellers are read in rank order and stop at the limit.
        self._visible_by_key: ColumnElement[bool] = \
            literal_column("+products.archived") == false() if self._sqlite else VISIBLE
        # A product by id without the engine: on SQLite on the event loop's thread
        # (sqlite_direct); on PostgreSQL on asyncpg (postgres_direct), the ids asked for
        # in one turn of the event loop in one round trip (coalesced_reads).
        self._sqlite_direct = SqliteDirectReader(engine) if self._sqlite else None
        self._by_id = prepare(select(*PRODUCT_COLUMNS).where(
            products.c.id == bindparam("product_id"), VISIBLE), engine.dialect)
        self._postgres_direct = None if self._sqlite else PostgresDirectConnections.of(engine)
        self._by_ids: dict[int, Prepared] = {}
        self._coalesced = CoalescedReads(self._read_visible) \
            if self._postgres_direct is not None and self._postgres_direct.available else None

    async def list_products(self, filters: ProductFilters, page: PageRequest) -> Page[Product]:
        conditions = [VISIBLE, *self._filter_conditions(filters)]
        count = kept_count(filters)  # product_counts, when the filters allow it
        if count is None:
            count = select(func.count()).select_from(products).where(*conditions)
        query = select(*PRODUCT_COLUMNS).where(*conditions) \
            .order_by(self._ordering(filters.ordering), products.c.id)
        return await self._page(count, query, page)

    async def get_visible(self, product_id: int) -> Product | None:
        if not is_storable_id(product_id):
            return None
        rows = await self._direct_rows(product_id)
        if rows is not None:
            return product_from_row(rows[0], self._currency) if rows else None
        async with self._read() as connection:
            row = (await connection.execute(
                select(*PRODUCT_COLUMNS).where(products.c.id == product_id, VISIBLE)
            )).one_or_none()
        return None if row is None else product_from_row(row, self._currency)

    async def _direct_rows(self, product_id: int) -> Sequence[Any] | None:
        """The visible product's row (or none) read directly, or None when the engine
        must answer."""
        if self._sqlite_direct is not None:
            return self._sqlite_direct.fetch(self._by_id, {"product_id": product_id})
        if self._coalesced is not None:
            return await self._coalesced.read(product_id)
        return None

    async def _read_visible(self, ids: Sequence[int]) -> dict[int, Any] | None:
        """The rows of the visible products among ``ids`` by id, in one statement on
        PostgreSQL's direct connections (None: the engine must answer)."""
        assert self._postgres_direct is not None
        size = 1 << (len(ids) - 1).bit_length()  # a few statements, each prepared once
        prepared = self._by_ids.get(size)
        if prepared is None:
            prepared = self._by_ids[size] = self._postgres_direct.prepare(
                select(*PRODUCT_COLUMNS).where(
                    products.c.id.in_([bindparam(f"id_{n}") for n in range(size)]), VISIBLE))
        padded = [*ids, *[ids[-1]] * (size - len(ids))]  # a repeated id matches once
        rows = await self._postgres_direct.fetch(
            prepared, {f"id_{n}": product_id for n, product_id in enumerate(padded)})
        return None if rows is None else {row.id: row for row in rows}

    async def search(self, terms: SearchTerms, page: PageRequest) -> Page[Product]:
        if not terms.terms:
            return Page(items=(), count=0, request=page)
        async with self._read() as connection:
            rows = (await connection.execute(
                self._search.page(terms.terms, page.page_size, page.offset))).all()
            if rows:
                total = int(rows[0].total)
            elif page.offset == 0:
                total = 0
            else:  # a page past the end: no row carries the count
                total = int(await connection.scalar(self._search.count(terms.terms)) or 0)
        return Page(items=tuple(product_from_row(row, self._currency) for row in rows),
                    count=total, request=page)

    async def most_bought(self, limit: int, since: datetime | None) -> Sequence[BestSeller]:
        # The sales tables (migration 0010) hold what a GROUP BY over every order line
        # would count: the all-time list is a walk of ix_product_sales_rank.
        async with self._read() as connection:
            if since is None:
                query = self._all_time_best_sellers(limit)
            else:
                first, last = (await connection.execute(_SALES_DAYS)).one()
                query = self._best_sellers_since(
                    limit, _sold_since(since, _fewer_days_before(since, first, last)))
            rows = (await connection.execute(query)).all()
        return [BestSeller(product_from_row(row, self._currency), int(row.units_sold),
                           int(row.order_count)) for row in rows]

    def _all_time_best_sellers(self, limit: int) -> Select[Any]:
        return (
            select(*PRODUCT_COLUMNS, product_sales.c.units.label("units_sold"),
                   product_sales.c.orders.label("order_count"))
            .join_from(product_sales, products, products.c.id == product_sales.c.product_id)
            .where(self._visible_by_key, product_sales.c.units > 0)
            .order_by(product_sales.c.units.desc(), product_sales.c.product_id)
            .limit(limit)
        )

    @staticmethod
    def _best_sellers_since(limit: int, sold: Subquery) -> Select[Any]:
        # The top of the window's sales first, then their products: joining every
        # product sold in the window before sorting cost PostgreSQL about half of the
        # query at 200,000 orders (it expects a few dozen groups, not thousands).
        archived = products.alias("archived")
        top = (
            select(sold)
            .where(~exists().where(archived.c.id == sold.c.product_id,
                                   archived.c.archived == true()))
            .order_by(sold.c.units_sold.desc(), sold.c.product_id)
            .limit(limit)
            .subquery("top")
        )
        return (
            select(*PRODUCT_COLUMNS, top.c.units_sold, top.c.order_count)
            .join_from(top, products, products.c.id == top.c.product_id)
            .order_by(top.c.units_sold.desc(), top.c.product_id)
        )

    def _read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return read_connection(self._engine)

    async def _page(self, count: Select[Any], query: Select[Any], page: PageRequest
                    ) -> Page[Product]:
        async with self._read() as connection:
            rows, total = await read_page(connection, query, count, page)
        return Page(items=tuple(product_from_row(row, self._currency) for row in rows),
                    count=total, request=page)

    @staticmethod
    def _filter_conditions(filters: ProductFilters) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.category is not None:
            conditions.append(products.c.category == filters.category)
        if filters.min_price is not None:
            conditions.append(products.c.price_minor >= filters.min_price.minor)
        if filters.max_price is not None:
            conditions.append(products.c.price_minor <= filters.max_price.minor)
        if filters.in_stock is True:
            conditions.append(products.c.stock > 0)
        elif filters.in_stock is False:
            conditions.append(products.c.stock == 0)
        return conditions

    def _ordering(self, ordering: ProductOrdering) -> ColumnElement[Any]:
        column: ColumnElement[Any]
        if ordering.field == "price":
            column = products.c.price_minor
        elif ordering.field == "name":
            # name_sort_key(name), stored (migration 0022) and read in the order of
            # ix_products_sort_name: byte order, on PostgreSQL by the column's "C"
            # collation, named here too so that no database's default can replace it.
            column = products.c.sort_name if self._sqlite \
                else products.c.sort_name.collate("C")
        else:
            column = products.c.created_at
        return column.desc() if ordering.descending else column.asc()


_SALES_DAYS = select(select(func.min(product_sales_daily.c.day)).scalar_subquery(),
                     select(func.max(product_sales_daily.c.day)).scalar_subquery())
"""The first and the last day with sales: two ends of the daily key (one subquery each,
so that both engines read them from the index)."""


def _first_whole_day(since: datetime) -> date:
    return since.astimezone(UTC).date() + timedelta(days=1)


def _fewer_days_before(since: datetime, first: date | None, last: date | None) -> bool:
    """True when fewer days with sales lie before ``since``'s first whole day than from
    it on: a window that holds most of the shop's history (a young shop's year)."""
    if first is None or last is None:
        return False
    start = _first_whole_day(since)
    return (start - first).days < (last - start).days + 1


def _sold_since(since: datetime, from_all_time: bool) -> Subquery:
    """Units and orders per product over non-cancelled orders created at ``since`` or
    later: whole UTC days from the sales tables, the part of ``since``'s own day from the
    order lines (at most one day of orders).

    The whole days are those of ``product_sales_daily`` from the first whole day on or,
    ``from_all_time``, the all-time ``product_sales`` less the days before it (the
    triggers keep one the sum of the other): the same numbers from fewer rows when the
    window holds most of the history.
    """
    first_whole_day = _first_whole_day(since)
    boundary = datetime.combine(first_whole_day, time(0), tzinfo=UTC)
    daily = product_sales_daily.c
    whole_days: list[Select[Any]]
    if from_all_time:
        whole_days = [
            select(product_sales.c.product_id, product_sales.c.units.label("units"),
                   product_sales.c.orders.label("orders")),
            select(daily.product_id, (-daily.units).label("units"),
                   (-daily.orders).label("orders")).where(daily.day < first_whole_day),
        ]
    else:
        whole_days = [select(daily.product_id, daily.units.label("units"),
                             daily.orders.label("orders")).where(daily.day >= first_whole_day)]
    first_day = select(order_lines.c.product_id, order_lines.c.quantity.label("units"),
                       literal(1).label("orders")) \
        .join(orders, orders.c.id == order_lines.c.order_id) \
        .where(orders.c.status != OrderStatus.CANCELLED.value,
               orders.c.created_at >= since, orders.c.created_at < boundary)
    both = union_all(*whole_days, first_day).subquery("sales")
    return (
        select(both.c.product_id, func.sum(both.c.units).label("units_sold"),
               func.sum(both.c.orders).label("order_count"))
        .group_by(both.c.product_id)
        .having(func.sum(both.c.units) > 0)
        .subquery("sold")
    )


class _SearchDialect(Protocol):
    def page(self, terms: Sequence[str], limit: int, offset: int) -> Select[Any]:
        """One page of the visible products matching ``terms``, best first: the
        product's columns and ``total``, the number of matches (one ranking pass)."""
        ...

    def count(self, terms: Sequence[str]) -> Select[Any]:
        """The number of visible products matching ``terms``."""
        ...


class _Fts5Search:
    """SQLite: each term a quoted prefix phrase (``"smart"*``), all of them required.

    ``products_fts`` indexes the stored words of the visible products only (migrations
    0015 and 0021; its ``ascii`` tokenizer splits them at the spaces between them and
    splits a term nowhere, as terms hold letters, digits and marks), so the matches
    are counted and ranked in the index alone and ``products`` is read for the page.
    The matches are collected first, in a materialised CTE: SQLite's planner may
    otherwise probe the index once per row of an outer query.
    """

    def page(self, terms: Sequence[str], limit: int, offset: int) -> Select[Any]:
        expression = self._expression(terms)
        hits = (
            select(_FTS.c.rowid.label("id"),
                   func.bm25(literal_column("products_fts"), 10.0, 5.0, 1.0).label("rank"))
            .where(self._match("fts_query", expression))
            .cte("hits").prefix_with("MATERIALIZED")
        )

        def in_column(name: str, key: str) -> ColumnElement[bool]:
            found = select(_FTS.c.rowid).where(self._match(key, f"{name} : ({expression})"))
            return hits.c.id.in_(found.scalar_subquery())

        tier = case((in_column("name", "fts_name"), 0),
                    (in_column("category", "fts_category"), 1), else_=2).label("tier")
        top = (
            select(hits.c.id, tier, hits.c.rank, func.count().over().label("total"))
            .order_by(tier, hits.c.rank, hits.c.id)  # bm25: lower is better
            .limit(limit).offset(offset)
            .subquery("top")
        )
        return (
            select(*PRODUCT_COLUMNS, top.c.total)
            .join_from(top, products, products.c.id == top.c.id)
            .where(VISIBLE)  # what the index holds already; the guarantee stays here too
            .order_by(top.c.tier, top.c.rank, top.c.id)
        )

    def count(self, terms: Sequence[str]) -> Select[Any]:
        return select(func.count()).select_from(_FTS) \
            .where(self._match("fts_query", self._expression(terms)))

    @staticmethod
    def _expression(terms: Sequence[str]) -> str:
        return " ".join(f'"{term}"*' for term in terms)  # letters, digits and marks only

    @staticmethod
    def _match(key: str, expression: str) -> TextClause:
        return text(f"products_fts MATCH :{key}").bindparams(**{key: expression})


class _TsvectorSearch:
    """PostgreSQL: the ``tsquery`` ``'smart':* & 'phone':*`` over ``search_vector``,
    whose weights are A (name), B (category) and C (description).

    The query is the text of a ``tsquery`` value, cast: each term a lexeme as it is, as
    ``search_vector`` holds each stored word (migration 0021). ``to_tsquery`` would run
    the terms through the text-search parser, which may cut them differently (by the
    database's locale) or make one term several lexemes."""

    def page(self, terms: Sequence[str], limit: int, offset: int) -> Select[Any]:
        matching = self._tsquery(terms)
        tier = case((_SEARCH_VECTOR.op("@@")(self._tsquery(terms, "A")), 0),
                    (_SEARCH_VECTOR.op("@@")(self._tsquery(terms, "B")), 1), else_=2)
        rank = func.ts_rank(_SEARCH_VECTOR, matching)
        return select(*PRODUCT_COLUMNS, func.count().over().label("total")) \
            .where(_SEARCH_VECTOR.op("@@")(matching), VISIBLE) \
            .order_by(tier, rank.desc(), products.c.id).limit(limit).offset(offset)

    def count(self, terms: Sequence[str]) -> Select[Any]:
        return select(func.count()).select_from(products) \
            .where(_SEARCH_VECTOR.op("@@")(self._tsquery(terms)), VISIBLE)

    @staticmethod
    def _tsquery(terms: Sequence[str], weight: str = "") -> ColumnElement[Any]:
        # terms hold letters, digits and marks only: quoting them is all they need
        expression = " & ".join(f"'{term}':*{weight}" for term in terms)
        return cast(literal(expression, Text), TSQUERY)
