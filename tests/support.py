"""Helpers the fixtures share."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import metadata


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table (PostgreSQL), resetting identity counters."""
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a private copy of the migrated SQLite template."""
    path = folder / "shop.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def empty_engine(url: str) -> AsyncEngine:
    """An engine on ``url`` with every table emptied."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        await truncate_all(engine)
    return engine
