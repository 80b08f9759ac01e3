"""Short SQLite reads on a plain ``sqlite3`` connection, without the engine.

For a read by primary key, which SQLite itself answers in microseconds, the engine's
own work (pool checkout, ``BEGIN``, result processing, ``ROLLBACK``) is nearly the
whole cost. :class:`SqliteDirectReader` keeps one plain ``sqlite3`` connection per process,
``query_only``, and runs a prepared single statement on it directly: a statement is its
own read transaction and, in WAL mode, sees every transaction committed before it
started, like a read through the engine. It never waits: its busy timeout is 0, and
any SQLite error (or a database that is not a file) makes :meth:`fetch` answer
``None``, for the caller to read through the engine instead. Only statements with a
small, bounded cost (an index lookup) belong here: they block the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.prepared import Prepared, prepare


class SqliteDirectReader:
    """Reads of prepared statements on a ``sqlite3`` connection of this process."""

    def __init__(self, engine: AsyncEngine) -> None:
        database = engine.url.database
        self._dialect = engine.dialect
        self._path = database if engine.dialect.name == "sqlite" and database and \
            database != ":memory:" and not database.startswith("file:") else None
        self._connection: sqlite3.Connection | None = None

    @property
    def available(self) -> bool:
        """False for databases only the engine can reach (in memory, URIs)."""
        return self._path is not None

    def prepare(self, statement: Select[Any]) -> Prepared:
        """``statement`` compiled once for :meth:`fetch`; bind parameters by name."""
        return prepare(statement, self._dialect)

    def fetch(self, prepared: Prepared, parameters: Mapping[str, Any]
              ) -> Sequence[Any] | None:
        """The rows of ``prepared``, or None when the engine must answer instead."""
        if self._path is None:
            return None
        try:
            connection = self._connection or self._connect(self._path)
            raw = connection.execute(prepared.sql, prepared.arguments(parameters)).fetchall()
        except sqlite3.Error:
            self.close()
            return None
        return prepared.rows(raw)

    def close(self) -> None:
        """Close the connection (the next fetch opens a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _connect(self, path: str) -> sqlite3.Connection:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True,
                                     isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA query_only=ON")
        self._connection = connection
        return connection
