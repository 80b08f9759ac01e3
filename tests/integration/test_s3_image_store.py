"""S3ImageStore against a real S3-compatible server (moto in server mode, on loopback).

boto3 talks HTTP to the server exactly as it would to AWS or MinIO: nothing in boto3
is mocked.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer
from PIL import Image

from shopcore.adapters.images import PillowImageProcessor
from shopcore.adapters.s3_images import (
    CACHE_CONTROL,
    S3ImageStore,
    build_s3_client,
    default_public_url,
)
from shopcore.application.ports.images import ImageTooLarge, StoredImage, UnsupportedImage
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.http.app import create_app
from shopcore.entrypoints.settings import Settings
from tests.support import sqlite_copy

GPS_IFD = 0x8825
MAKE = 0x010F
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_SESSION_TOKEN": "testing"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free loopback port, for the whole run."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_client(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = build_s3_client(endpoint_url=s3_endpoint, region="us-east-1")
    yield client
    client.close()


@pytest.fixture
def bucket(s3_client: Any) -> str:
    name = f"shop-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def store(s3_client: Any, bucket: str) -> S3ImageStore:
    return S3ImageStore(s3_client, bucket, "https://cdn.shop.example/images/")


def picture(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    return Image.linear_gradient("L").resize(size).convert(mode)


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "SpyCam"
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.5), 3: "E", 4: (2.0, 17.0, 40.0)}
    return exif


def keys(client: Any, bucket: str) -> list[str]:
    answer = client.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))


def key_of(url: str) -> str:
    return url.removeprefix("https://cdn.shop.example/images/")


@pytest.mark.parametrize(
    ("fmt", "ext", "content_type"),
    [("JPEG", "jpg", "image/jpeg"), ("PNG", "png", "image/png"),
     ("WEBP", "webp", "image/webp")],
)
async def test_store_uploads_the_image_and_its_thumbnail_with_their_content_type(
    store: S3ImageStore, s3_client: Any, bucket: str, fmt: str, ext: str, content_type: str
) -> None:
    stored = await store.store(encode(picture((1200, 600)), fmt))

    match = re.fullmatch(rf"https://cdn\.shop\.example/images/products/([0-9a-f]{{32}})\.{ext}",
                         stored.image_url)
    assert match is not None
    assert stored.thumbnail_url == (
        f"https://cdn.shop.example/images/products/{match[1]}_thumb.{ext}")
    assert keys(s3_client, bucket) == sorted([key_of(stored.image_url),
                                              key_of(stored.thumbnail_url)])
    sizes = {}
    for url in (stored.image_url, stored.thumbnail_url):
        obj = s3_client.get_object(Bucket=bucket, Key=key_of(url))
        assert obj["ContentType"] == content_type
        assert obj["CacheControl"] == CACHE_CONTROL
        with Image.open(io.BytesIO(obj["Body"].read())) as saved:
            assert saved.format == fmt
            sizes[url] = saved.size
    assert sizes == {stored.image_url: (1200, 600), stored.thumbnail_url: (400, 200)}


async def test_metadata_is_stripped_before_upload(
    store: S3ImageStore, s3_client: Any, bucket: str
) -> None:
    data = encode(picture((320, 240)), "JPEG", exif=gps_exif(), comment=b"secret comment")
    assert Image.open(io.BytesIO(data)).getexif()[MAKE] == "SpyCam"

    stored = await store.store(data + b"TRAILER")

    for url in (stored.image_url, stored.thumbnail_url):
        raw = s3_client.get_object(Bucket=bucket, Key=key_of(url))["Body"].read()
        assert len(Image.open(io.BytesIO(raw)).getexif()) == 0
        for needle in (b"Exif", b"SpyCam", b"secret comment", b"TRAILER"):
            assert needle not in raw


@pytest.mark.parametrize(
    "data", [b"not an image", encode(picture((40, 40)), "GIF")], ids=["text", "gif"])
async def test_unsupported_uploads_upload_nothing(
    store: S3ImageStore, s3_client: Any, bucket: str, data: bytes
) -> None:
    with pytest.raises(UnsupportedImage):
        await store.store(data)
    assert keys(s3_client, bucket) == []


async def test_limits_come_from_the_shared_processor(
    s3_client: Any, bucket: str
) -> None:
    small = S3ImageStore(s3_client, bucket, "https://cdn.shop.example/images",
                         processor=PillowImageProcessor(max_bytes=2048, max_pixels=100 * 100))
    with pytest.raises(ImageTooLarge):
        await small.store(b"\0" * 2049)
    with pytest.raises(ImageTooLarge):
        await small.store(encode(picture((101, 100), "L"), "PNG"))
    assert keys(s3_client, bucket) == []


async def test_discard_removes_both_objects_and_tolerates_missing_ones(
    store: S3ImageStore, s3_client: Any, bucket: str
) -> None:
    stored = await store.store(encode(picture((80, 60)), "PNG"))
    keep = await store.store(encode(picture((80, 60)), "PNG"))

    await store.discard(stored)
    assert keys(s3_client, bucket) == sorted([key_of(keep.image_url),
                                              key_of(keep.thumbnail_url)])
    await store.discard(stored)  # already gone: fine


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/images/products/" + "a" * 32 + ".png",
        "https://cdn.shop.example/images/other/" + "a" * 32 + ".png",
        "https://cdn.shop.example/images/products/../secret.png",
        "https://cdn.shop.example/images/products/" + "a" * 32 + ".png/../x",
        "https://cdn.shop.example/images/",
    ],
)
async def test_discard_refuses_urls_it_did_not_hand_out(
    store: S3ImageStore, s3_client: Any, bucket: str, url: str
) -> None:
    stored = await store.store(encode(picture((30, 30)), "PNG"))
    with pytest.raises(ValueError):
        await store.discard(StoredImage(image_url=url, thumbnail_url=stored.thumbnail_url))
    assert len(keys(s3_client, bucket)) == 2  # nothing deleted on refusal


async def test_a_failed_thumbnail_upload_leaves_nothing_behind(
    s3_client: Any, bucket: str
) -> None:
    class FailingSecondPut:
        """The real client, except that the second upload is refused by the server
        (it goes to a bucket that does not exist)."""

        def __init__(self) -> None:
            self.puts = 0

        def put_object(self, **kwargs: Any) -> Any:
            self.puts += 1
            if self.puts == 2:
                kwargs["Bucket"] = "no-such-bucket-" + uuid.uuid4().hex[:8]
            return s3_client.put_object(**kwargs)

        def delete_objects(self, **kwargs: Any) -> Any:
            return s3_client.delete_objects(**kwargs)

    store = S3ImageStore(FailingSecondPut(), bucket, "https://cdn.shop.example/images")
    with pytest.raises(ClientError):
        await store.store(encode(picture((50, 50)), "PNG"))
    assert keys(s3_client, bucket) == []


async def test_image_urls_are_served_by_the_bucket_when_public_url_points_at_it(
    s3_client: Any, bucket: str, s3_endpoint: str
) -> None:
    s3_client.put_bucket_policy(Bucket=bucket, Policy=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
        f'"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}'))
    store = S3ImageStore(s3_client, bucket, f"{s3_endpoint}/{bucket}")
    data = encode(picture((64, 48)), "PNG")

    stored = await store.store(data)

    async with httpx.AsyncClient() as http:
        answer = await http.get(stored.image_url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(answer.content)).size == (64, 48)


def test_bad_configuration_is_refused(s3_client: Any) -> None:
    with pytest.raises(ValueError):
        S3ImageStore(s3_client, "", "https://cdn.example")
    with pytest.raises(ValueError):
        S3ImageStore(s3_client, "b", "cdn.example")
    with pytest.raises(ValueError):
        S3ImageStore(s3_client, "b", "https://cdn.example", key_prefix="../x")


def test_default_public_url() -> None:
    assert default_public_url("b", "http://minio:9000/", None) == "http://minio:9000/b"
    assert default_public_url("b", None, "ap-south-1") == "https://b.s3.ap-south-1.amazonaws.com"
    assert default_public_url("b", None, None) == "https://b.s3.us-east-1.amazonaws.com"


async def test_with_the_s3_settings_product_image_urls_come_from_the_bucket(
    s3_endpoint: str, s3_client: Any, bucket: str, sqlite_template: Path, tmp_path: Path
) -> None:
    settings = Settings(
        env="test", database_url=sqlite_copy(sqlite_template, tmp_path),
        secret_key="s3-test-secret-key-0123456789-abcdefgh", media_dir=tmp_path / "media",
        otp_test_numbers={"+919800000001": "123456"}, image_store="s3", s3_bucket=bucket,
        s3_endpoint_url=s3_endpoint, s3_region="us-east-1",
        s3_public_url="https://cdn.shop.example/images")
    container = build_container(settings)
    assert isinstance(container.image_store(), S3ImageStore)
    await container.promote_to_admin()("+919800000001")
    transport = httpx.ASGITransport(app=create_app(container=container))  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.local") as http:
            await http.post("/api/auth/request-otp/", json={"phone": "+919800000001"})
            tokens = (await http.post("/api/auth/verify-otp/", json={
                "phone": "+919800000001", "otp": "123456"})).json()
            created = await http.post(
                "/api/products/add/", headers={"Authorization": f"Bearer {tokens['access_token']}"},
                data={"name": "Lamp", "price": "999.00", "category": "home", "stock": "2"},
                files={"image": ("lamp.webp", encode(picture((500, 500)), "WEBP"), "image/webp")})
            assert created.status_code == 201, created.text
            listed = (await http.get("/api/products/")).json()["results"][0]
    finally:
        await close_container(container)

    product = created.json()
    assert product["image_url"].startswith("https://cdn.shop.example/images/products/")
    assert product["thumbnail_url"].endswith("_thumb.webp")
    assert listed["image_url"] == product["image_url"]
    assert keys(s3_client, bucket) == sorted([key_of(product["image_url"]),
                                              key_of(product["thumbnail_url"])])
    assert not (tmp_path / "media").exists()  # nothing on the local disk
