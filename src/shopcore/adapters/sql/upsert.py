"""``INSERT ... ON CONFLICT`` for the engines we support, compiled once per dialect.

SQLAlchemy caches a statement's compiled form under its cache key, but the dialects'
``INSERT ... ON CONFLICT`` constructs have none (their ``on_conflict_*`` clauses are not
cacheable), so ``connection.execute`` would compile them again on every execution: a
tenth of the time of adding to a cart and placing an order. :class:`OnConflictInsert`
builds its statement with one bound parameter per column, compiles it once per dialect
and runs the SQL it compiled to with ``exec_driver_sql``, the values converted by the
columns' own bind processing (the same conversion ``execute`` applies). The result is
the driver's: its ``rowcount`` tells an inserted row (1) from a conflict (0), and the
rows of ``RETURNING`` are as the driver gives them (no result type processing).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]


class OnConflictInsert:
    """``INSERT INTO table (columns) VALUES (...) ON CONFLICT (conflict)`` followed by
    ``DO NOTHING``, or by ``DO UPDATE SET`` each of ``update`` to the value that was to
    be inserted; ``RETURNING returning`` when given. Declare one at module level and
    :meth:`execute` it with a value for every column."""

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
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = (
            weakref.WeakKeyDictionary())

    async def execute(
        self, connection: AsyncConnection, values: Mapping[str, Any]
    ) -> CursorResult[Any]:
        """Run the statement with ``values`` (a value for every column, by name)."""
        compiled = self._compiled.get(connection.dialect)
        if compiled is None:
            compiled = self._compiled[connection.dialect] = self._compile(connection.dialect)
        parameters = tuple(
            values[name] if process is None else process(values[name])
            for name, process in zip(compiled.names, compiled.processors, strict=True))
        return await connection.exec_driver_sql(compiled.sql, parameters)

    def _compile(self, dialect: Dialect) -> _Compiled:
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
        compiled = statement.compile(dialect=dialect)
        # Both drivers take positional parameters (qmark, numeric_dollar).
        names = tuple(compiled.positiontup or ())
        if sorted(names) != sorted(self._columns):  # e.g. a Python-side column default
            raise ValueError(f"{table.name}: parameters {names} are not the columns given")
        return _Compiled(
            sql=compiled.string,
            names=names,
            processors=tuple(
                compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in names),
        )
