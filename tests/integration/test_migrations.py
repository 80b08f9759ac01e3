"""Migrations: one line of history, and a migrated database matches the table definitions."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import alembic_config
from shopcore.adapters.sql.tables import metadata

ENGINE_SPECIFIC = {"products_fts", "search_vector", "ix_products_search_vector",
                   "product_count_changes"}
"""Schema of one engine only, which the table definitions leave out."""


def test_the_migration_history_has_a_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several heads: {heads}"


def schema_differences(connection: Connection) -> list[Any]:
    """How the connected database's schema differs from the table definitions."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [diff for diff in compare_metadata(context, metadata)
            if not any(name in repr(diff) for name in ENGINE_SPECIFIC)]


async def test_the_migrated_schema_matches_the_table_definitions(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(schema_differences)
    assert differences == []
