"""Running the Alembic migrations programmatically."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x5_40_9C_0E  # any constant shared by every shopcore process


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Create or migrate the schema of ``engine``'s database to ``revision``.

    On PostgreSQL an advisory lock makes concurrent starts migrate one at a time.
    """
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            await connection.commit()
        try:
            await connection.run_sync(_upgrade, revision)
            await connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                await connection.commit()


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


@functools.cache
def _revisions() -> tuple[str | None, frozenset[str]]:
    """The head of the packaged migrations and every revision they know."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return scripts.get_current_head(), frozenset(
        script.revision for script in scripts.walk_revisions())


async def migrations_pending(connection: AsyncConnection) -> bool:
    """True when the database's schema is older than this code (``shopcore db upgrade``
    has not run since it was installed): no schema at all, or a revision before the
    head of the packaged migrations. A revision this code does not know is a later
    release's, whose migrations keep this one working (expand, then contract): not
    pending."""
    if not await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version")):
        return True
    found = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    head, known = _revisions()
    return found is None or (found != head and found in known)
