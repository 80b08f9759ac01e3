"""CreateProduct with the real image store and database: a failed insert leaves no file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.images import PillowFilesystemImageStore
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.adapters.system import SystemClock
from shopcore.application.catalog.create_product import CreateProduct, CreateProductCommand


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "PNG")
    return out.getvalue()


class CommitFails(SqlUnitOfWork):
    """A unit of work whose commit fails (the connection dropped, say)."""

    async def commit(self) -> None:
        raise ConnectionError("the database went away")


def command() -> CreateProductCommand:
    return CreateProductCommand(name="Lamp", price="499.00", category="home", image=png())


async def test_a_failed_insert_discards_the_stored_files(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    create = CreateProduct(lambda: CommitFails(engine), PillowFilesystemImageStore(media),
                           SystemClock())
    with pytest.raises(ConnectionError):
        await create(command())
    assert [p for p in media.rglob("*") if p.is_file()] == []


async def test_a_successful_insert_keeps_both_files(engine: AsyncEngine, tmp_path: Path) -> None:
    media = tmp_path / "media"
    create = CreateProduct(lambda: SqlUnitOfWork(engine), PillowFilesystemImageStore(media),
                           SystemClock())
    product = await create(command())
    assert product.image_url is not None and product.thumbnail_url is not None
    for url in (product.image_url, product.thumbnail_url):
        assert (media / url.removeprefix("/media/")).is_file()
