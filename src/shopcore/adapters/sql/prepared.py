"""Statements compiled once for the direct readers (``sqlite_direct``, ``postgres_direct``).

A direct reader runs a SQLAlchemy ``select`` on a driver connection of its own, without
the engine: :func:`prepare` compiles it with the engine's dialect (the SQL and the
order of its bound parameters) and keeps each column's result processor, so that the
rows it gives back hold the same values as rows read through the engine.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect


@dataclass(frozen=True, slots=True)
class Prepared:
    """A compiled statement, its bound parameters' order and its columns' converters."""

    sql: str
    parameters: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]
    row_type: Callable[..., Any]

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The values of ``parameters`` in the statement's order."""
        return [parameters[name] for name in self.parameters]

    def rows(self, raw: Iterable[Iterable[Any]]) -> list[Any]:
        """The driver's rows as named rows, each value converted as the engine would."""
        converters = self.converters
        return [self.row_type(*[value if convert is None else convert(value)
                                for convert, value in zip(converters, row, strict=True)])
                for row in raw]


def prepare(statement: Select[Any], dialect: Dialect) -> Prepared:
    """``statement`` compiled for ``dialect``; its rows' fields are the columns' keys."""
    compiled = statement.compile(dialect=dialect)
    columns = list(statement.selected_columns)
    converters = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                       for column in columns)
    row_type = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
    return Prepared(compiled.string, tuple(compiled.positiontup or ()), converters, row_type)
