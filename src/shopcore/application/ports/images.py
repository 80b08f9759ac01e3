"""The image store port used by the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shopcore.domain.errors import DomainError


class UnsupportedImage(DomainError):
    """The upload is not a JPEG, PNG or WebP image (decided by decoding it)."""


class ImageTooLarge(DomainError):
    """The upload exceeds the byte limit or the pixel limit."""


@dataclass(frozen=True, slots=True)
class StoredImage:
    """A stored product image and its thumbnail, as the URLs clients use."""

    image_url: str
    thumbnail_url: str


class ImageStore(Protocol):
    """Validates, re-encodes and keeps product images."""

    async def store(self, data: bytes) -> StoredImage:
        """Decode, check (format, pixel count), strip metadata, re-encode, write the
        image and a thumbnail atomically; raise ``UnsupportedImage`` or ``ImageTooLarge``."""
        ...

    async def discard(self, image: StoredImage) -> None:
        """Remove a stored image and its thumbnail (e.g. when the product insert failed)."""
        ...
