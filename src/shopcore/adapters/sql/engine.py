"""Creating the async engine with the per-engine settings each database needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shopcore.adapters.sql import sqlite_inline


def create_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pool_timeout: float = 30,
    pool_recycle: int = 1800,
) -> AsyncEngine:
    """An async engine for ``url``.

    On PostgreSQL each process keeps up to ``pool_size`` connections open and opens up
    to ``max_overflow`` more under load (default: ``pool_size``); a request waits at
    most ``pool_timeout`` seconds for a connection; connections older than
    ``pool_recycle`` seconds (0: never) are replaced, and each is pinged before use.
    Size the pools so that processes x (pool_size + max_overflow) stays below the
    server's ``max_connections``.

    On SQLite the statements run on the event loop's thread (``sqlite_inline``: no
    driver thread; a locked database is waited for without blocking the loop, up to
    30 s), every write transaction starts with ``BEGIN IMMEDIATE``, WAL lets readers go
    on while one writer works, and foreign keys are enforced.
    """
    parsed = make_url(url)
    options: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        inline = parsed.set(drivername=f"sqlite+{sqlite_inline.DRIVER}")
        engine = create_async_engine(inline, **options)
        _configure_sqlite(engine)
        return engine
    options.update(pool_size=pool_size,
                   max_overflow=pool_size if max_overflow is None else max_overflow,
                   pool_timeout=pool_timeout, pool_recycle=pool_recycle or -1,
                   pool_pre_ping=True)
    return create_async_engine(url, **options)


def _configure_sqlite(engine: AsyncEngine) -> None:
    memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: AsyncEngine) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"
