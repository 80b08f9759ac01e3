"""Statements compiled once per dialect, for running on a driver connection directly.

The direct readers (``sqlite_direct``, ``postgres_direct``) and the unit of work's
driver statements (``driver``) run SQLAlchemy Core statements without the engine's
execution path: :func:`prepare` compiles a statement with the engine's dialect (the SQL
and the order of its bound parameters) and keeps each parameter's bind processor and
each returned column's result processor, so that values go in and come back out as
they would through the engine.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True, slots=True)
class Prepared:
    """A compiled statement, its bound parameters' order and converters, and its
    returned columns' converters."""

    sql: str
    parameters: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]
    row_type: Callable[..., Any]

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The values of ``parameters`` in the statement's order, converted for the
        driver as the engine would."""
        return [parameters[name] if process is None else process(parameters[name])
                for name, process in zip(self.parameters, self.processors, strict=True)]

    def rows(self, raw: Iterable[Iterable[Any]]) -> list[Any]:
        """The driver's rows as named rows, each value converted as the engine would."""
        converters = self.converters
        return [self.row_type(*[value if convert is None else convert(value)
                                for convert, value in zip(converters, row, strict=True)])
                for row in raw]


def prepare(statement: Executable, dialect: Dialect) -> Prepared:
    """``statement`` compiled for ``dialect``; its rows' fields (of a select, or of the
    ``RETURNING`` of a write) are the columns' keys."""
    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    names = tuple(compiled.positiontup or ())  # both drivers take positional parameters
    processors = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                       for name in names)
    columns = list(getattr(statement, "exported_columns", ()))
    converters = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                       for column in columns)
    row_type = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
    return Prepared(compiled.string, names, processors, converters, row_type)
