"""A page of a query and the number of rows it has in all, read as of one moment.

On PostgreSQL reads run in autocommit (READ COMMITTED would not differ), where every
statement has a snapshot of its own: a count and a page read by two statements could
describe two moments (a count of 21 and an empty page 2 of 20 when a product was
archived in between). So the count rides in the page's statement, an uncorrelated
scalar subquery that either engine computes once. Only a page without rows needs a
count of its own; it is then past the end at the moment of that count too, or read
again. SQLite, whose read transaction keeps one snapshot, gets the same statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

from shopcore.application.pagination import PageRequest

PAGE_TOTAL = "page_total"
"""The column of the page's rows holding the count (a name no table uses)."""
_READS = 3


async def read_page(connection: AsyncConnection, query: Select[Any], count: Select[Any],
                    page: PageRequest) -> tuple[Sequence[Any], int]:
    """``page`` of the rows of ``query`` (ordered), and the number ``count`` selects,
    both as of one moment (each row also has the number, as ``page_total``).

    A page without rows past the first has its count read apart; if by then the page
    would have rows, both are read again (at most three times in all: the last count
    is the answer of a list that keeps changing that fast)."""
    paged = query.add_columns(count.scalar_subquery().label(PAGE_TOTAL)) \
        .limit(page.page_size).offset(page.offset)
    total = 0
    for _ in range(_READS):
        rows = (await connection.execute(paged)).all()
        if rows:
            return rows, int(getattr(rows[0], PAGE_TOTAL))
        if page.offset == 0:
            return rows, 0
        total = int(await connection.scalar(count) or 0)
        if total <= page.offset:
            return rows, total
    return [], total
