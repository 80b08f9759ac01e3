"""An in-memory image store: keeps uploads in a dict, for tests of the catalog."""

from __future__ import annotations

from shopcore.application.ports import ImageTooLarge, StoredImage, UnsupportedImage

URL_PREFIX = "/media/products/"
# What the real store decodes; the fake only looks at the signature bytes.
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
_WEBP = (b"RIFF", b"WEBP")


class MemoryImageStore:
    """``ImageStore`` that keeps image bytes by URL.

    Accepts data starting with a PNG, JPEG or WebP signature (no decoding). Set
    ``failing`` to make ``store`` raise ``OSError`` (a full disk, say). Like the real
    stores, ``discard`` refuses (``ValueError``) URLs it never hands out.
    """

    def __init__(self, max_bytes: int = 5 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.files: dict[str, bytes] = {}
        self.discarded: list[StoredImage] = []
        self.failing = False
        self._next = 0

    async def store(self, data: bytes) -> StoredImage:
        if len(data) > self.max_bytes:
            raise ImageTooLarge(f"image is larger than {self.max_bytes} bytes")
        is_webp = data[:4] == _WEBP[0] and data[8:12] == _WEBP[1]
        if not (data.startswith(_SIGNATURES) or is_webp):
            raise UnsupportedImage("not a JPEG, PNG or WebP image")
        if self.failing:
            raise OSError("the image store is failing")
        self._next += 1
        image = StoredImage(image_url=f"{URL_PREFIX}{self._next:06d}.png",
                            thumbnail_url=f"{URL_PREFIX}{self._next:06d}_thumb.png")
        self.files[image.image_url] = data
        self.files[image.thumbnail_url] = data
        return image

    async def discard(self, image: StoredImage) -> None:
        for url in (image.image_url, image.thumbnail_url):
            if not url.startswith(URL_PREFIX):
                raise ValueError(f"not a URL of this store: {url!r}")
        self.discarded.append(image)
        self.files.pop(image.image_url, None)
        self.files.pop(image.thumbnail_url, None)


class PlainDemoImages:
    """``DemoImageSource`` that makes tiny fake PNG signatures (no Pillow needed)."""

    def picture(self, title: str, number: int) -> bytes:
        return b"\x89PNG\r\n\x1a\n" + f"{number}:{title}".encode()
