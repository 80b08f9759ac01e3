"""``INSERT ... ON CONFLICT`` for the engines we support, compiled once per dialect.

SQLAlchemy caches a statement's compiled form under its cache key, but the dialects'
``INSERT ... ON CONFLICT`` constructs have none (their ``on_conflict_*`` clauses are not
cacheable), so ``connection.execute`` would compile them again on every execution: a
tenth of the time of adding to a cart and placing an order. :class:`OnConflictInsert`
is a :class:`~shopcore.adapters.sql.driver.DriverStatement`: built with one bound
parameter per column, compiled once per dialect, run on the driver. Its ``execute``
tells an inserted row (1) from a conflict (0); ``fetch`` gives the rows of
``RETURNING`` (none on a conflict with ``DO NOTHING``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Executable, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from shopcore.adapters.sql.driver import DriverStatement
from shopcore.adapters.sql.prepared import Prepared


class OnConflictInsert(DriverStatement):
    """``INSERT INTO table (columns) VALUES (...) ON CONFLICT (conflict)`` followed by
    ``DO NOTHING``, or by ``DO UPDATE SET`` each of ``update`` to the value that was to
    be inserted; ``RETURNING returning`` when given. Declare one at module level and
    run it with a value for every column."""

    def __init__(
        self,
        table: Table,
        *,
        conflict: Sequence[str],
        update: Sequence[str] = (),
        returning: Sequence[Column[Any]] = (),
        columns: Sequence[str] | None = None,
    ) -> None:
        """``columns``: the columns given values (by default every column of ``table``);
        a column left out gets its server default (Python-side defaults are not run)."""
        self._table = table
        self._columns = tuple(column.name for column in table.c) if columns is None \
            else tuple(columns)
        self._conflict = tuple(conflict)
        self._update = tuple(update)
        self._returning = tuple(returning)
        super().__init__(self.statement)

    def statement(self, dialect: Dialect) -> Executable:
        """The statement for ``dialect`` (e.g. to use as a CTE)."""
        table = self._table
        insert = (postgresql if dialect.name == "postgresql" else sqlite).insert(table)
        statement = insert.values(
            {name: bindparam(name, type_=table.c[name].type) for name in self._columns})
        if self._update:
            statement = statement.on_conflict_do_update(
                index_elements=list(self._conflict),
                set_={name: insert.excluded[name] for name in self._update})
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(self._conflict))
        if self._returning:
            statement = statement.returning(*self._returning)
        built: Executable = statement
        return built

    def check(self, prepared: Prepared) -> Prepared:
        if sorted(prepared.parameters) != sorted(self._columns):  # a Python-side default
            raise ValueError(
                f"{self._table.name}: parameters {prepared.parameters} are not the columns given")
        return prepared
