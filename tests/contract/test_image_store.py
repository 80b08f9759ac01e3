"""One ImageStore contract, run against the shipped MemoryImageStore, the
PillowFilesystemImageStore and the S3ImageStore (a moto S3 server on loopback).

The fake checks the image signature instead of decoding (so tests need no real
pictures); everything else the catalog relies on is the same on every store.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from shopcore.adapters.demo_images import PillowDemoImages
from shopcore.adapters.images import PillowFilesystemImageStore, PillowImageProcessor
from shopcore.adapters.memory.images import MemoryImageStore, PlainDemoImages
from shopcore.adapters.s3_images import S3ImageStore, build_s3_client
from shopcore.application.ports import DemoImageSource, ImageStore, ImageTooLarge, StoredImage
from shopcore.application.ports import UnsupportedImage as Unsupported

MAX_BYTES = 64 * 1024
PUBLIC_URL = "https://cdn.shop.example/images"


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(out, "PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert("RGB").save(out, "JPEG")
    return out.getvalue()


@dataclass
class Store:
    """A store under test and a way to ask whether it holds the file behind a URL."""

    store: ImageStore
    holds: Callable[[str], Awaitable[bool]]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["memory", "filesystem", "s3"])
async def image_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = MemoryImageStore(max_bytes=MAX_BYTES)

        async def in_memory(url: str) -> bool:
            return url in memory.files

        yield Store(memory, in_memory)
        return
    if request.param == "filesystem":
        folder = PillowFilesystemImageStore(tmp_path, max_bytes=MAX_BYTES)

        async def on_disk(url: str) -> bool:
            return (tmp_path / url.removeprefix("/media/")).is_file()

        yield Store(folder, on_disk)
        return
    monkeypatch = request.getfixturevalue("monkeypatch")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    client: Any = build_s3_client(endpoint_url=request.getfixturevalue("moto_endpoint"),
                                  region="us-east-1")
    bucket = f"contract-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)

    async def in_bucket(url: str) -> bool:
        found = client.list_objects_v2(Bucket=bucket, Prefix=url.removeprefix(PUBLIC_URL + "/"))
        return bool(found.get("KeyCount"))

    yield Store(S3ImageStore(client, bucket, PUBLIC_URL,
                             processor=PillowImageProcessor(max_bytes=MAX_BYTES)), in_bucket)
    client.close()


@pytest.mark.parametrize("data", [png(), jpeg()], ids=["png", "jpeg"])
async def test_a_stored_image_and_its_thumbnail_are_kept_under_new_urls(
        image_store: Store, data: bytes) -> None:
    first = await image_store.store.store(data)
    second = await image_store.store.store(data)
    urls = {first.image_url, first.thumbnail_url, second.image_url, second.thumbnail_url}
    assert len(urls) == 4
    for url in urls:
        assert await image_store.holds(url), url


async def test_discarding_removes_both_files_and_may_be_repeated(image_store: Store) -> None:
    kept, dropped = await image_store.store.store(png()), await image_store.store.store(png())
    await image_store.store.discard(dropped)
    await image_store.store.discard(dropped)
    assert not await image_store.holds(dropped.image_url)
    assert not await image_store.holds(dropped.thumbnail_url)
    assert await image_store.holds(kept.image_url) and await image_store.holds(kept.thumbnail_url)


@pytest.mark.parametrize("data", [b"", b"hello, not a picture", b"%PDF-1.7\n" + b"x" * 100,
                                  b"GIF89a" + b"\x00" * 100], ids=["empty", "text", "pdf", "gif"])
async def test_what_is_not_a_jpeg_png_or_webp_is_unsupported(
        image_store: Store, data: bytes) -> None:
    with pytest.raises(Unsupported):
        await image_store.store.store(data)


async def test_more_bytes_than_the_limit_is_too_large_whatever_they_are(
        image_store: Store) -> None:
    with pytest.raises(ImageTooLarge):
        await image_store.store.store(png() + b"\x00" * MAX_BYTES)
    with pytest.raises(ImageTooLarge):
        await image_store.store.store(b"x" * (MAX_BYTES + 1))


async def test_discarding_a_url_the_store_never_handed_out_is_refused(
        image_store: Store) -> None:
    foreign = StoredImage(image_url="https://elsewhere.example/a.png",
                          thumbnail_url="https://elsewhere.example/a_thumb.png")
    with pytest.raises(ValueError):
        await image_store.store.discard(foreign)


# DemoImageSource: the fake and Pillow's pictures are images the stores take


@pytest.mark.parametrize("source", [PlainDemoImages(), PillowDemoImages(size=(80, 60))],
                         ids=["plain", "pillow"])
async def test_demo_pictures_are_deterministic_and_storable(source: DemoImageSource) -> None:
    picture = source.picture("Steel Kettle", 3)
    assert picture == source.picture("Steel Kettle", 3)
    assert picture != source.picture("Steel Kettle", 4)
    stored = await MemoryImageStore().store(picture)
    assert stored.image_url
