"""PillowFilesystemImageStore and resolve_media_path against real images in a temp folder."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import struct
import threading
import time
import warnings
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from shopcore.adapters import images as images_module
from shopcore.adapters.images import PillowFilesystemImageStore, resolve_media_path
from shopcore.application.ports.images import ImageTooLarge, StoredImage, UnsupportedImage

GPS_IFD = 0x8825
MAKE = 0x010F


# --- building inputs ---------------------------------------------------------------------


def picture(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A smooth, non-uniform picture (gradient), in ``mode``."""
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


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims ``width`` x ``height`` (CRC fixed up)."""
    data = bytearray(encode(picture((8, 8), "L"), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny baseline JPEG whose SOF0 header claims ``width`` x ``height``."""
    data = bytearray(encode(picture((8, 8)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def media(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def store(media: Path) -> PillowFilesystemImageStore:
    return PillowFilesystemImageStore(media)


def path_of(media: Path, url: str) -> Path:
    assert url.startswith("/media/")
    return media / url.removeprefix("/media/")


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


# --- accepted images ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "ext", "mode"),
    [("PNG", "png", "RGB"), ("PNG", "png", "RGBA"), ("JPEG", "jpg", "RGB"),
     ("JPEG", "jpg", "L"), ("WEBP", "webp", "RGB"), ("WEBP", "webp", "RGBA")],
)
async def test_accepted_formats_are_re_encoded_in_the_same_format_and_size(
    store: PillowFilesystemImageStore, media: Path, fmt: str, ext: str, mode: str
) -> None:
    stored = await store.store(encode(picture((640, 480), mode), fmt))

    match = re.fullmatch(rf"/media/products/([0-9a-f]{{32}})\.{ext}", stored.image_url)
    assert match is not None
    assert stored.thumbnail_url == f"/media/products/{match[1]}_thumb.{ext}"
    with Image.open(path_of(media, stored.image_url)) as main:
        assert (main.format, main.size) == (fmt, (640, 480))
    with Image.open(path_of(media, stored.thumbnail_url)) as thumb:
        assert (thumb.format, thumb.size) == (fmt, (400, 300))


async def test_format_comes_from_the_content(
    store: PillowFilesystemImageStore, media: Path
) -> None:
    stored = await store.store(encode(picture((50, 40)), "JPEG"))
    assert stored.image_url.endswith(".jpg")
    assert Image.open(path_of(media, stored.image_url)).format == "JPEG"


async def test_cmyk_jpeg_is_stored_as_rgb(store: PillowFilesystemImageStore, media: Path) -> None:
    stored = await store.store(encode(picture((300, 200), "CMYK"), "JPEG"))
    with Image.open(path_of(media, stored.image_url)) as main:
        assert (main.format, main.mode, main.size) == ("JPEG", "RGB", (300, 200))


async def test_mpo_from_a_camera_is_kept_as_its_first_jpeg_frame(
    store: PillowFilesystemImageStore, media: Path
) -> None:
    first, second = picture((320, 240)), picture((64, 48))
    stored = await store.store(encode(first, "MPO", save_all=True, append_images=[second]))
    assert stored.image_url.endswith(".jpg")
    with Image.open(path_of(media, stored.image_url)) as main:
        assert (main.format, main.size, getattr(main, "n_frames", 1)) == ("JPEG", (320, 240), 1)


async def test_palette_png_keeps_its_transparency(
    store: PillowFilesystemImageStore, media: Path
) -> None:
    image = picture((500, 500)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    stored = await store.store(encode(image, "PNG", transparency=0))
    with Image.open(path_of(media, stored.image_url)) as main:
        assert main.mode == "P" and main.info.get("transparency") == 0
    with Image.open(path_of(media, stored.thumbnail_url)) as thumb:
        assert thumb.mode == "RGBA" and thumb.size == (400, 400)


# --- metadata and trailing bytes ---------------------------------------------------------


async def test_jpeg_exif_with_gps_is_stripped(
    store: PillowFilesystemImageStore, media: Path
) -> None:
    data = encode(picture((320, 240)), "JPEG", exif=gps_exif(), comment=b"secret comment")
    source = Image.open(io.BytesIO(data)).getexif()
    assert source[MAKE] == "SpyCam" and source.get_ifd(GPS_IFD)  # the input really has GPS

    stored = await store.store(data)

    for url in (stored.image_url, stored.thumbnail_url):
        raw = path_of(media, url).read_bytes()
        with Image.open(io.BytesIO(raw)) as saved:
            assert len(saved.getexif()) == 0
            assert "comment" not in saved.info
        assert b"Exif" not in raw and b"SpyCam" not in raw and b"secret comment" not in raw


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
async def test_png_and_webp_metadata_is_stripped(
    store: PillowFilesystemImageStore, media: Path, fmt: str
) -> None:
    options: dict[str, Any] = {"exif": gps_exif(), "xmp": b"<x:xmpmeta>SpyXmp</x:xmpmeta>"}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "SpyText")
        options["pnginfo"] = text
    data = encode(picture((320, 240)), fmt, **options)
    assert Image.open(io.BytesIO(data)).getexif()[MAKE] == "SpyCam"

    stored = await store.store(data)

    for url in (stored.image_url, stored.thumbnail_url):
        raw = path_of(media, url).read_bytes()
        assert len(Image.open(io.BytesIO(raw)).getexif()) == 0
        for needle in (b"Exif", b"SpyCam", b"SpyXmp", b"SpyText"):
            assert needle not in raw


async def test_icc_profile_is_not_kept(store: PillowFilesystemImageStore, media: Path) -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    stored = await store.store(encode(picture((100, 100)), "PNG", icc_profile=icc))
    assert "icc_profile" not in Image.open(path_of(media, stored.image_url)).info


async def test_trailing_bytes_after_a_png_are_dropped(
    store: PillowFilesystemImageStore, media: Path
) -> None:
    payload = b"<?php system($_GET['c']); ?>TRAILER" * 20
    stored = await store.store(encode(picture((120, 90)), "PNG") + payload)
    raw = path_of(media, stored.image_url).read_bytes()
    assert b"TRAILER" not in raw
    assert raw.endswith(b"IEND\xaeB`\x82")


# --- refused uploads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"just some text, not an image\n" * 10, id="text"),
        pytest.param(encode(picture((40, 40)), "GIF"), id="gif"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><rect width="10" height="10"/></svg>', id="svg"),
        pytest.param(encode(picture((40, 40)), "BMP"), id="bmp"),
        pytest.param(encode(picture((40, 40)), "TIFF"), id="tiff"),
        pytest.param(encode(picture((400, 300)), "JPEG")[:600], id="truncated-jpeg"),
        pytest.param(encode(picture((400, 300)), "PNG")[:300], id="truncated-png"),
        pytest.param(encode(picture((40, 40)), "PNG")[:20], id="png-signature-only"),
    ],
)
async def test_unsupported_uploads_are_refused_and_nothing_is_written(
    store: PillowFilesystemImageStore, media: Path, data: bytes
) -> None:
    with pytest.raises(UnsupportedImage):
        await store.store(data)
    assert all_files(media) == []


async def test_byte_limit(media: Path) -> None:
    data = encode(picture((64, 64)), "PNG")
    store = PillowFilesystemImageStore(media, max_bytes=len(data))
    await store.store(data)  # exactly at the limit is fine

    with pytest.raises(ImageTooLarge):
        await store.store(data + b"\0")


async def test_pixel_limit_is_configurable(media: Path) -> None:
    store = PillowFilesystemImageStore(media, max_pixels=20 * 20)
    await store.store(encode(picture((20, 20)), "PNG"))
    with pytest.raises(ImageTooLarge):
        await store.store(encode(picture((21, 20)), "PNG"))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png_claiming(30_000, 30_000), id="png-900-megapixels"),
        pytest.param(png_claiming(7_000, 7_000), id="png-49-megapixels"),
        pytest.param(png_claiming(10_000, 10_000), id="png-100-megapixels"),
        pytest.param(jpeg_claiming(60_000, 60_000), id="jpeg-3600-megapixels"),
        pytest.param(jpeg_claiming(8_000, 6_000), id="jpeg-48-megapixels"),
    ],
)
async def test_decompression_bombs_are_refused_from_the_header(
    store: PillowFilesystemImageStore, media: Path, data: bytes
) -> None:
    # The data is tiny: decoding the pixels would fail as truncated (UnsupportedImage),
    # so ImageTooLarge shows that the size was refused before any pixel was decoded.
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ImageTooLarge):
            await store.store(data)
    assert time.monotonic() - started < 5
    assert all_files(media) == []


async def test_pillow_bomb_warning_as_error_is_still_image_too_large(
    store: PillowFilesystemImageStore,
) -> None:
    pillow_limit = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with pytest.raises(ImageTooLarge):
            await store.store(png_claiming(10_000, 10_000))
    assert pillow_limit == Image.MAX_IMAGE_PIXELS  # the global guard is left alone


# --- thumbnails, names, files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "thumb_size"),
    [((1200, 300), (400, 100)), ((300, 900), (133, 400)), ((100, 80), (100, 80))],
)
async def test_only_the_thumbnail_is_scaled(
    store: PillowFilesystemImageStore,
    media: Path,
    size: tuple[int, int],
    thumb_size: tuple[int, int],
) -> None:
    stored = await store.store(encode(picture(size), "JPEG"))
    assert Image.open(path_of(media, stored.image_url)).size == size
    with Image.open(path_of(media, stored.thumbnail_url)) as thumb:
        assert thumb.size == thumb_size and max(thumb.size) <= 400


async def test_thumbnail_side_is_configurable(media: Path) -> None:
    store = PillowFilesystemImageStore(media, thumbnail_side=64)
    stored = await store.store(encode(picture((640, 320)), "WEBP"))
    assert Image.open(path_of(media, stored.thumbnail_url)).size == (64, 32)


async def test_names_are_random_and_not_derived_from_the_input(
    store: PillowFilesystemImageStore, media: Path
) -> None:
    data = encode(picture((60, 60)), "PNG")
    first, second = await store.store(data), await store.store(data)

    names = set()
    for stored in (first, second):
        match = re.fullmatch(r"/media/products/([0-9a-f]{32})\.png", stored.image_url)
        assert match is not None
        assert stored.thumbnail_url == f"/media/products/{match[1]}_thumb.png"
        names.add(match[1])
    assert len(names) == 2
    digests = {hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()}
    assert not any(name in digest or digest in name for name in names for digest in digests)


async def test_only_the_final_files_remain(store: PillowFilesystemImageStore, media: Path) -> None:
    stored = [await store.store(encode(picture((80, 60)), fmt)) for fmt in ("PNG", "JPEG")]
    expected = sorted(path_of(media, url) for s in stored for url in (s.image_url, s.thumbnail_url))
    assert all_files(media) == expected
    assert not any(p.name.startswith(".") for p in media.rglob("*"))


async def test_custom_prefix_and_subdir(tmp_path: Path) -> None:
    store = PillowFilesystemImageStore(tmp_path, url_prefix="/files", subdir="shop/items")
    stored = await store.store(encode(picture((30, 30)), "PNG"))
    assert stored.image_url.startswith("/files/shop/items/")
    assert (tmp_path / stored.image_url.removeprefix("/files/")).is_file()
    await store.discard(stored)
    assert all_files(tmp_path) == []


@pytest.mark.parametrize("subdir", ["../outside", "/abs", "", ".hidden"])
def test_bad_subdir_is_refused(media: Path, subdir: str) -> None:
    with pytest.raises(ValueError):
        PillowFilesystemImageStore(media, subdir=subdir)


async def test_main_file_is_removed_when_the_thumbnail_cannot_be_written(
    store: PillowFilesystemImageStore, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = images_module._write_atomically

    def failing_write(path: Path, payload: bytes) -> None:
        if path.stem.endswith("_thumb"):
            raise OSError("disk full")
        real_write(path, payload)

    monkeypatch.setattr(images_module, "_write_atomically", failing_write)
    with pytest.raises(OSError, match="disk full"):
        await store.store(encode(picture((50, 50)), "PNG"))
    assert all_files(media) == []


async def test_a_failed_write_leaves_no_temporary_file(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(src: Any, dst: Any) -> None:
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="rename failed"):
        await PillowFilesystemImageStore(media).store(encode(picture((50, 50)), "PNG"))
    assert all_files(media) == []


# --- running off the event loop ----------------------------------------------------------


class GatedExecutor(ThreadPoolExecutor):
    """Runs each job only after ``gate`` is set (or a timeout), noting whether it was."""

    def __init__(self, gate: threading.Event) -> None:
        super().__init__(max_workers=1)
        self.gate = gate
        self.gate_was_open: list[bool] = []
        self.threads: list[int] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def gated() -> Any:
            self.gate_was_open.append(self.gate.wait(timeout=10))
            self.threads.append(threading.get_ident())
            return fn(*args, **kwargs)

        return super().submit(gated)


async def test_store_does_not_block_the_event_loop(media: Path) -> None:
    # The image work waits until a concurrent task has ticked on the loop: if store()
    # ran it on the loop thread, the tick could not happen first.
    ticked = threading.Event()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            ticked.set()
            await asyncio.sleep(0)

    with GatedExecutor(ticked) as executor:
        store = PillowFilesystemImageStore(media, executor=executor)
        task = asyncio.create_task(ticker())
        try:
            stored = await store.store(encode(picture((2000, 1500)), "PNG"))
            ticks_during_store = ticks
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    assert executor.gate_was_open == [True]
    assert executor.threads and executor.threads[0] != threading.get_ident()
    assert ticks_during_store >= 1
    assert path_of(media, stored.image_url).is_file()


# --- discard -----------------------------------------------------------------------------


async def test_discard_removes_both_files_and_tolerates_missing_ones(
    store: PillowFilesystemImageStore, media: Path
) -> None:
    stored = await store.store(encode(picture((80, 60)), "JPEG"))
    keep = await store.store(encode(picture((80, 60)), "JPEG"))

    await store.discard(stored)
    assert not path_of(media, stored.image_url).exists()
    assert not path_of(media, stored.thumbnail_url).exists()
    assert path_of(media, keep.image_url).exists()

    await store.discard(stored)  # already gone: fine


@pytest.mark.parametrize(
    "url",
    [
        "/media/../secret.txt",
        "/media/products/../../secret.txt",
        "/media//etc/passwd",
        "/elsewhere/products/x.png",
        "/media/",
    ],
)
async def test_discard_refuses_urls_outside_the_media_folder(
    store: PillowFilesystemImageStore, media: Path, tmp_path: Path, url: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("keep me")
    stored = await store.store(encode(picture((30, 30)), "PNG"))

    with pytest.raises(ValueError):
        await store.discard(StoredImage(image_url=url, thumbnail_url=stored.thumbnail_url))
    with pytest.raises(ValueError):
        await store.discard(StoredImage(image_url=stored.image_url, thumbnail_url=url))

    assert secret.read_text() == "keep me"
    assert path_of(media, stored.image_url).exists()  # nothing deleted on refusal
    assert path_of(media, stored.thumbnail_url).exists()


# --- resolve_media_path ------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    (media / "products").mkdir(parents=True)
    (media / "products" / "a.png").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("secret")
    return media


def test_resolve_inside(tree: Path) -> None:
    root = tree.resolve()
    assert resolve_media_path(tree, "products/a.png") == root / "products" / "a.png"
    assert resolve_media_path(tree, "products/./a.png") == root / "products" / "a.png"
    assert resolve_media_path(tree, "products/missing.png") == root / "products" / "missing.png"


@pytest.mark.parametrize(
    "relative",
    [
        "", ".", "/", "../secret.txt", "products/../../secret.txt", "products/..",
        "/etc/passwd", str(Path("/etc/passwd")), "//etc/passwd", "products/\x00a.png",
        ".hidden", "products/.a.png.1234.tmp",
    ],
)
def test_resolve_refuses(tree: Path, relative: str) -> None:
    assert resolve_media_path(tree, relative) is None


@pytest.mark.parametrize(
    "relative", ["%2e%2e/secret.txt", "..%2fsecret.txt", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"]
)
def test_resolve_does_not_decode_percent_escapes(tree: Path, relative: str) -> None:
    # Input is taken as already decoded: an escape is a plain (or hidden, refused) name.
    resolved = resolve_media_path(tree, relative)
    if relative.startswith("."):
        assert resolved is None
    else:
        assert resolved == tree.resolve() / relative


def test_resolve_refuses_symlinks_leading_out(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"x")
    (tree / "out-dir").symlink_to(outside, target_is_directory=True)
    (tree / "products" / "out.png").symlink_to(tmp_path / "secret.txt")
    (tree / "products" / "in.png").symlink_to(tree / "products" / "a.png")
    (tree / "products" / "loop").symlink_to(tree / "products" / "loop")

    assert resolve_media_path(tree, "out-dir/x.png") is None
    assert resolve_media_path(tree, "products/out.png") is None
    assert resolve_media_path(tree, "products/in.png") == (tree / "products" / "a.png").resolve()
    assert resolve_media_path(tree, "products/loop") is None


def test_resolve_through_a_symlinked_media_dir(tree: Path, tmp_path: Path) -> None:
    link = tmp_path / "media-link"
    link.symlink_to(tree, target_is_directory=True)
    assert resolve_media_path(link, "products/a.png") == (tree / "products" / "a.png").resolve()
    assert resolve_media_path(link, "../secret.txt") is None
