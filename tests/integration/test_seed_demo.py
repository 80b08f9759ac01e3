"""``shopcore seed-demo``: the demo catalog through the real container on both engines,
and the command as a user runs it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.tables import products
from shopcore.application.catalog.demo_catalog import demo_product
from shopcore.application.catalog.seed_demo_catalog import SeedDemoCatalogCommand
from shopcore.application.pagination import PageRequest
from shopcore.domain.search import SearchTerms
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.settings import Settings

Shopcore = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def shopcore(tmp_path: Path) -> Shopcore:
    """The command on a migrated SQLite file of its own, as a user runs it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHOPCORE_")}
    environment.update(SHOPCORE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
                       SHOPCORE_MEDIA_DIR=str(tmp_path / "media"), SHOPCORE_ENV="test")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "shopcore.entrypoints.cli", *args],
                              cwd=tmp_path, env=environment, text=True, capture_output=True,
                              timeout=120, check=False)

    assert run("db", "upgrade").returncode == 0
    return run


async def test_seeding_bulk_inserts_a_searchable_catalog(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    container = build_container(Settings(env="test", database_url=database_url,
                                         secret_key="s" * 40, media_dir=tmp_path / "media"))
    try:
        result = await container.seed_demo_catalog()(SeedDemoCatalogCommand(products=20_000))
        again = await container.seed_demo_catalog()(
            SeedDemoCatalogCommand(products=5, only_if_empty=True))
        catalog = container.product_catalog()
        found = await catalog.search(SearchTerms.parse(demo_product(7).name), PageRequest(1, 5))
    finally:
        await close_container(container)
    assert result.products == 20_000 and not result.skipped and again.skipped
    async with engine.connect() as connection:
        total = await connection.scalar(select(func.count()).select_from(products))
        pictured = (await connection.execute(
            select(products.c.image_url).where(products.c.image_url.is_not(None)))).scalars().all()
    assert total == 20_000 and len(pictured) == result.pictures == 12
    for url in pictured:
        assert (tmp_path / "media" / url.removeprefix("/media/")).is_file()
    assert found.items and found.items[0].name == demo_product(7).name


def test_the_command_seeds_once_with_if_empty(shopcore: Shopcore) -> None:
    first = shopcore("seed-demo", "--products", "50", "--if-empty")
    assert first.returncode == 0 and "added 50 demo products" in first.stdout, first.stderr
    second = shopcore("seed-demo", "--products", "50", "--if-empty")
    assert second.returncode == 0 and "nothing was added" in second.stdout, second.stderr
    bad = shopcore("seed-demo", "--products", "0")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "products" in bad.stderr and "Traceback" not in bad.stderr


def test_the_command_adds_an_order_history_once(shopcore: Shopcore, tmp_path: Path) -> None:
    def counts() -> tuple[int, int]:
        with closing(sqlite3.connect(tmp_path / "demo.db")) as database:
            return (database.execute("SELECT count(*) FROM products").fetchone()[0],
                    database.execute("SELECT count(*) FROM orders").fetchone()[0])

    no_orders = shopcore("seed-demo", "--products", "40", "--orders", "0")
    assert no_orders.returncode == 2 and "between 1 and" in no_orders.stderr
    assert counts() == (0, 0)
    seeded = shopcore("seed-demo", "--products", "40", "--order-lines", "250")
    assert seeded.returncode == 0, seeded.stderr
    assert "added 40 demo products" in seeded.stdout
    assert "past orders (250 lines) of 2000 demo buyers" in seeded.stdout
    seeded_counts = counts()
    again = shopcore("seed-demo", "--products", "5", "--orders", "10")
    assert again.returncode == 2 and "seeded before" in again.stderr
    assert "Traceback" not in again.stderr
    more = shopcore("seed-demo", "--products", "5")  # the demo catalog fills an empty one
    assert more.returncode == 2 and "already has products" in more.stderr
    assert len(more.stderr.strip().splitlines()) == 1 and "Traceback" not in more.stderr
    if_empty = shopcore("seed-demo", "--products", "5", "--orders", "10", "--if-empty")
    assert if_empty.returncode == 0 and "nothing was added" in if_empty.stdout
    assert counts() == seeded_counts and seeded_counts[0] == 40
    both = shopcore("seed-demo", "--orders", "10", "--order-lines", "10")
    assert both.returncode == 2 and "not allowed with" in both.stderr
