"""Product images checked and re-encoded with Pillow (shared by every image store),
and kept on the local filesystem.

What is accepted is decided by decoding, never by a file name or a declared type.
Pixel limits are enforced from the header, before any pixel is decoded. Every
stored file is a fresh encoding of the decoded pixels, so metadata (EXIF, GPS,
XMP, ICC profiles, comments) and trailing bytes do not survive.

EXIF orientation is deliberately *not* applied: the stored image keeps the
dimensions it was decoded with (as the API contract states). Since the EXIF block
is stripped, a photo that relied on an orientation tag is shown as its pixels
are stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import secrets
import struct
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, UnidentifiedImageError

from shopcore.application.ports.images import ImageTooLarge, StoredImage, UnsupportedImage

# Decoded format -> (format to encode with, file extension). An MPO file is a JPEG
# with extra frames appended (many phone cameras write them); its first frame is kept.
_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
}
# Plugins Pillow may try when identifying an upload: nothing else is even parsed.
_PLUGINS = ("JPEG", "PNG", "WEBP")

# What Pillow raises on data it cannot decode (UnidentifiedImageError is an OSError).
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, EOFError, ValueError, struct.error)
# Pillow's own bomb guard (Image.MAX_IMAGE_PIXELS) fires inside Image.open: an error
# above twice the limit, a warning above it (an exception when warnings are errors).
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

_ENCODE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 85, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85},
}


def resolve_media_path(media_dir: Path, relative: str) -> Path | None:
    """The file ``relative`` names under ``media_dir``, or None if it would lie outside.

    ``relative`` is a ``/``-separated path as taken from a URL, already percent-decoded
    once (it is not decoded again). Absolute paths, ``..`` and hidden names (starting
    with ``.``, such as temporary files) are refused; symlinks are followed and the
    result must still lie strictly inside ``media_dir``. Existence is not checked: the
    returned path (symlinks resolved) may not exist.
    """
    if not relative or "\x00" in relative:
        return None
    pure = PurePosixPath(relative)
    if pure.is_absolute() or not pure.parts:
        return None
    if any(part.startswith(".") for part in pure.parts):
        return None
    try:
        root = media_dir.resolve()
        candidate = root.joinpath(*pure.parts).resolve()
    except (OSError, RuntimeError, ValueError):  # symlink loops, bad names
        return None
    if candidate == root or not candidate.is_relative_to(root):
        return None
    return candidate


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """A checked, re-encoded image and its thumbnail, ready to be kept anywhere."""

    main: bytes
    thumbnail: bytes
    extension: str  # "jpg", "png" or "webp"
    content_type: str  # "image/jpeg", "image/png" or "image/webp"


class PillowImageProcessor:
    """The Pillow work every image store shares: check, strip, re-encode, thumbnail.

    ``process`` is blocking CPU work: stores run it on an executor, never on the loop.
    """

    def __init__(
        self,
        *,
        max_bytes: int = 5 * 1024 * 1024,
        max_pixels: int = 40_000_000,
        thumbnail_side: int = 400,
    ) -> None:
        if max_bytes <= 0 or max_pixels <= 0 or thumbnail_side <= 0:
            raise ValueError("max_bytes, max_pixels and thumbnail_side must be positive")
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.thumbnail_side = thumbnail_side

    def check_size(self, data: bytes) -> None:
        """Refuse more than ``max_bytes`` (cheap: callers check before going off-loop)."""
        if len(data) > self.max_bytes:
            raise ImageTooLarge(f"image is larger than {self.max_bytes} bytes")

    def process(self, data: bytes) -> ProcessedImage:
        """Decode ``data`` and encode it afresh, with a thumbnail of at most
        ``thumbnail_side`` pixels a side.

        Raises ``ImageTooLarge`` (bytes or pixels over the limits, decompression bombs)
        or ``UnsupportedImage`` (not a decodable JPEG, PNG or WebP).
        """
        self.check_size(data)
        image, fmt = self._decode(data)
        main = _encode(image, fmt)
        thumb = _thumbnail_source(image)
        thumb.thumbnail((self.thumbnail_side, self.thumbnail_side))
        return ProcessedImage(main=main, thumbnail=_encode(thumb, fmt),
                              extension=_FORMATS[fmt][1], content_type=_CONTENT_TYPES[fmt])

    def _decode(self, data: bytes) -> tuple[Image.Image, str]:
        """Decoded pixels (first frame, no metadata) and the encoding format to use."""
        try:
            with Image.open(io.BytesIO(data), formats=_PLUGINS) as opened:
                entry = _FORMATS.get(opened.format or "")
                if entry is None:
                    raise UnsupportedImage("not a JPEG, PNG or WebP image")
                width, height = opened.size
                if width * height > self.max_pixels:  # header only: nothing decoded yet
                    raise ImageTooLarge(f"image has more than {self.max_pixels} pixels")
                opened.load()
                image = opened.copy()
        except _BOMB_ERRORS as exc:
            raise ImageTooLarge("image has too many pixels") from exc
        except _DECODE_ERRORS as exc:
            raise UnsupportedImage("not a valid JPEG, PNG or WebP image") from exc
        return _without_metadata(image), entry[0]


class PillowFilesystemImageStore:
    """``ImageStore`` writing re-encoded images and thumbnails under ``media_dir/subdir``.

    Decoding and encoding run on ``executor`` (the loop's default executor when None),
    never on the event loop. Each decode of a ``max_pixels`` image may hold a few
    hundred MB, so a small dedicated executor bounds the memory of concurrent uploads.
    """

    def __init__(
        self,
        media_dir: Path,
        *,
        url_prefix: str = "/media/",
        subdir: str = "products",
        max_bytes: int = 5 * 1024 * 1024,
        max_pixels: int = 40_000_000,
        thumbnail_side: int = 400,
        executor: Executor | None = None,
    ) -> None:
        sub = PurePosixPath(subdir.rstrip("/"))
        if sub.is_absolute() or not sub.parts or any(p.startswith(".") for p in sub.parts):
            raise ValueError(f"subdir must be a plain relative path, got {subdir!r}")
        self._processor = PillowImageProcessor(
            max_bytes=max_bytes, max_pixels=max_pixels, thumbnail_side=thumbnail_side)
        self._media_dir = Path(media_dir)
        self._url_prefix = url_prefix if url_prefix.endswith("/") else url_prefix + "/"
        self._subdir = sub.as_posix()
        self._executor = executor

    async def store(self, data: bytes) -> StoredImage:
        """Check, re-encode and write ``data`` and its thumbnail.

        Raises ``ImageTooLarge`` (bytes or pixels over the limits, decompression bombs)
        or ``UnsupportedImage`` (not a decodable JPEG, PNG or WebP). Filesystem errors
        propagate as ``OSError``.
        """
        self._processor.check_size(data)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._store_sync, data)

    async def discard(self, image: StoredImage) -> None:
        """Delete the image and its thumbnail; files already gone are fine.

        Raises ``ValueError`` for a URL that is not under ``url_prefix`` or that names a
        path outside ``media_dir`` (nothing is deleted then).
        """
        paths = [self._path_for_url(image.image_url), self._path_for_url(image.thumbnail_url)]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, _unlink_all, paths)

    def _path_for_url(self, url: str) -> Path:
        if not url.startswith(self._url_prefix):
            raise ValueError(f"not a media URL: {url!r}")
        path = resolve_media_path(self._media_dir, url[len(self._url_prefix) :])
        if path is None:
            raise ValueError(f"media URL points outside the media folder: {url!r}")
        return path

    def _store_sync(self, data: bytes) -> StoredImage:
        processed = self._processor.process(data)
        ext = processed.extension
        directory = self._media_dir / self._subdir
        directory.mkdir(parents=True, exist_ok=True)
        name = new_image_name()
        main_path = directory / f"{name}.{ext}"
        thumb_path = directory / f"{name}_thumb.{ext}"
        _write_atomically(main_path, processed.main)
        try:
            _write_atomically(thumb_path, processed.thumbnail)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                main_path.unlink()
            raise
        base = f"{self._url_prefix}{self._subdir}/{name}"
        return StoredImage(image_url=f"{base}.{ext}", thumbnail_url=f"{base}_thumb.{ext}")


def new_image_name() -> str:
    """A random name for a stored image (never derived from the upload)."""
    return secrets.token_hex(16)


def _without_metadata(image: Image.Image) -> Image.Image:
    # Some encoders read image.info (PNG writes its ICC profile from there); keep only
    # transparency, which is pixel data rather than metadata.
    transparency = image.info.get("transparency")
    image.info = {} if transparency is None else {"transparency": transparency}
    return image


def _thumbnail_source(image: Image.Image) -> Image.Image:
    """A copy in a mode that resamples smoothly (palette and 1-bit images do not)."""
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image.copy()


def _encode(image: Image.Image, fmt: str) -> bytes:
    if fmt == "JPEG" and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")  # CMYK, and anything else JPEG cannot hold
    elif fmt == "WEBP" and image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    out = io.BytesIO()
    image.save(out, fmt, **_ENCODE_OPTIONS[fmt])
    return out.getvalue()


def _write_atomically(path: Path, payload: bytes) -> None:
    """Write via a hidden temporary file in the same directory, then rename."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
