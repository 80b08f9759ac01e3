"""Serving the uploaded product images from the media folder."""

from __future__ import annotations

from pathlib import Path

from litestar import Controller
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import File

from shopcore.adapters.images import resolve_media_path
from shopcore.domain.errors import NotFound
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.routing import get, head

MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
"""What the image store writes; nothing else is served, whatever lies in the folder."""

CACHE_CONTROL = "public, max-age=31536000, immutable"
"""Stored images get fresh random names and are never rewritten in place."""


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name longer than the file system allows names nothing there
        return False


class MediaController(Controller):
    """Files of ``SHOPCORE_MEDIA_DIR``, never anything outside it."""

    path = "/media"
    tags = ["operations"]

    @get("/{file_path:path}", summary="An uploaded image", responses=problem_responses(400, 404),
         media_type="application/octet-stream")
    async def serve(self, file_path: FromPath[str], state: State) -> File:
        """An image or thumbnail of a product (the URLs the product object gives).
        ``HEAD`` answers the same headers without the body."""
        return _media_file(state, file_path)

    @head("/{file_path:path}", media_type="application/octet-stream")
    async def serve_headers(self, file_path: FromPath[str], state: State) -> File:
        """The headers of ``GET``, without the body."""
        return _media_file(state, file_path)


def _media_file(state: State, file_path: str) -> File:
    media_dir = state.container.settings().media_dir
    found = resolve_media_path(media_dir, file_path.lstrip("/"))
    media_type = MEDIA_TYPES.get(found.suffix.lower()) if found else None
    if found is None or media_type is None or not _is_file(found):
        raise NotFound("There is no such image.")
    return File(path=found, media_type=media_type, content_disposition_type="inline",
                headers={"Cache-Control": CACHE_CONTROL})
