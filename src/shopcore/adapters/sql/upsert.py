"""``INSERT ... ON CONFLICT DO UPDATE`` for the engines we support."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert


def insert_for(connection: AsyncConnection, table: Table) -> Any:
    """The dialect's own ``insert`` (which knows ``on_conflict_*``)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


async def upsert(
    connection: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    keys: Sequence[str],
) -> None:
    """Insert ``values`` or, when a row with the same ``keys`` exists, overwrite it."""
    stmt = insert_for(connection, table).values(**values)
    updates = {name: stmt.excluded[name] for name in values if name not in keys}
    statement: Insert = stmt.on_conflict_do_update(index_elements=list(keys), set_=updates)
    await connection.execute(statement)
