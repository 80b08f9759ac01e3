"""`shopcore db upgrade` run by several processes at once on a fresh PostgreSQL database.

Rolling deploys start many processes together; each may run the migrations. The
advisory lock in ``upgrade_database`` makes them migrate one at a time: every run
succeeds and the schema ends up exactly once, at head.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.migrate import alembic_config, upgrade_database
from tests.integration.test_migrations import schema_differences
from tests.postgres_databases import fresh_database


async def assert_one_schema_at_head(url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            versions = (await connection.execute(
                text("SELECT version_num FROM alembic_version"))).scalars().all()
            assert versions == [head]
            assert await connection.run_sync(schema_differences) == []
    finally:
        await engine.dispose()


async def test_concurrent_upgrades_in_one_process_with_separate_engines() -> None:
    async with fresh_database("migrate") as url:
        engines = [create_engine(url) for _ in range(4)]
        try:
            await asyncio.wait_for(
                asyncio.gather(*(upgrade_database(engine) for engine in engines)), 120)
        finally:
            for engine in engines:
                await engine.dispose()
        await assert_one_schema_at_head(url)


async def test_two_shopcore_db_upgrade_processes_at_once(tmp_path: Path) -> None:
    async with fresh_database("migrate") as url:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SHOPCORE_")}
        environment.update(SHOPCORE_DATABASE_URL=url, SHOPCORE_ENV="test")
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "shopcore.entrypoints.cli", "db", "upgrade",
                cwd=tmp_path, env=environment,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        try:
            results = [await asyncio.wait_for(p.communicate(), 120) for p in processes]
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        for process, (out, err) in zip(processes, results, strict=True):
            assert process.returncode == 0, err.decode()
            assert b"database is up to date" in out
        await assert_one_schema_at_head(url)
