"""Product images kept in an S3-compatible bucket (AWS S3, MinIO, R2, Ceph, ...).

The Pillow work (checks, metadata stripping, re-encoding, thumbnail) is the same
``PillowImageProcessor`` the filesystem store uses. boto3 is blocking, so every
call runs on the executor, never on the event loop. The URLs handed out are
``public_url`` + the object key: clients fetch images from the bucket (or the CDN in
front of it), never through the app processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from concurrent.futures import Executor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shopcore.adapters.images import PillowImageProcessor, ProcessedImage, new_image_name
from shopcore.application.ports.images import StoredImage

# Every key this store writes: <prefix>/<32 hex>[_thumb].<ext>
_NAME = re.compile(r"[0-9a-f]{32}(?:_thumb)?\.(?:jpg|png|webp)")
# Stored names are random and never rewritten, so caches may keep them for good.
CACHE_CONTROL = "public, max-age=31536000, immutable"


class S3ImageStore:
    """``ImageStore`` putting re-encoded images and thumbnails under ``key_prefix/``.

    ``client`` is a boto3 S3 client (thread-safe; the caller creates and closes it).
    """

    def __init__(
        self,
        client: Any,
        bucket: str,
        public_url: str,
        *,
        key_prefix: str = "products",
        processor: PillowImageProcessor | None = None,
        executor: Executor | None = None,
    ) -> None:
        prefix = key_prefix.strip("/")
        if not bucket or not prefix or ".." in prefix.split("/"):
            raise ValueError("bucket and key_prefix must be plain non-empty names")
        if not public_url.startswith(("http://", "https://", "/")):
            raise ValueError(f"public_url must be an http(s) URL or a path: {public_url!r}")
        self._client = client
        self._bucket = bucket
        self._base = public_url.rstrip("/") + "/"
        self._prefix = prefix
        self._processor = processor or PillowImageProcessor()
        self._executor = executor

    async def store(self, data: bytes) -> StoredImage:
        """Check, re-encode and upload ``data`` and its thumbnail.

        Raises ``ImageTooLarge`` or ``UnsupportedImage`` before anything is uploaded;
        botocore errors of the upload propagate (nothing is left behind then).
        """
        self._processor.check_size(data)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._store_sync, data)

    async def discard(self, image: StoredImage) -> None:
        """Delete the image and its thumbnail; objects already gone are fine.

        Raises ``ValueError`` for a URL this store did not hand out (nothing is deleted).
        """
        keys = [self._key_for_url(image.image_url), self._key_for_url(image.thumbnail_url)]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._delete_sync, keys)

    def url_for_key(self, key: str) -> str:
        """The public URL of the object ``key``."""
        return self._base + key

    def _store_sync(self, data: bytes) -> StoredImage:
        processed = self._processor.process(data)
        name = new_image_name()
        main_key = f"{self._prefix}/{name}.{processed.extension}"
        thumb_key = f"{self._prefix}/{name}_thumb.{processed.extension}"
        self._put(main_key, processed.main, processed)
        try:
            self._put(thumb_key, processed.thumbnail, processed)
        except BaseException:
            with contextlib.suppress(BotoCoreError, ClientError):  # the first error matters
                self._delete_sync([main_key])
            raise
        return StoredImage(image_url=self.url_for_key(main_key),
                           thumbnail_url=self.url_for_key(thumb_key))

    def _put(self, key: str, body: bytes, processed: ProcessedImage) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body,
                                ContentType=processed.content_type,
                                CacheControl=CACHE_CONTROL)

    def _delete_sync(self, keys: list[str]) -> None:
        self._client.delete_objects(
            Bucket=self._bucket,
            Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True})

    def _key_for_url(self, url: str) -> str:
        if not url.startswith(self._base):
            raise ValueError(f"not a URL of this image store: {url!r}")
        key = url[len(self._base):]
        folder, _, name = key.rpartition("/")
        if folder != self._prefix or not _NAME.fullmatch(name):
            raise ValueError(f"not an image key of this store: {url!r}")
        return key


def build_s3_client(*, endpoint_url: str | None, region: str | None) -> Any:
    """A boto3 S3 client; credentials come from the standard AWS variables/files.

    A custom endpoint (MinIO, R2, a test server) is addressed path-style.
    """
    config = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config)


def default_public_url(bucket: str, endpoint_url: str | None, region: str | None) -> str:
    """Where the bucket's objects are fetched when no public URL (CDN) is configured:
    path-style under a custom endpoint, else AWS's virtual-hosted address."""
    if endpoint_url:
        return f"{endpoint_url.rstrip('/')}/{bucket}"
    return f"https://{bucket}.s3.{region or 'us-east-1'}.amazonaws.com"
