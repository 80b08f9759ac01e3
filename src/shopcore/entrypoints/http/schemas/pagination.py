"""The paginated list envelope: ``{"count", "next", "previous", "results"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import msgspec
from litestar import Request

from shopcore.application.pagination import Page

T = TypeVar("T")
U = TypeVar("U")


class PageBody(msgspec.Struct, Generic[T]):
    """One page of a list; ``next``/``previous`` keep every other query parameter."""

    count: int
    next: str | None
    previous: str | None
    results: list[T]


def render_page(
    request: Request[Any, Any, Any], page: Page[U], render: Callable[[U], T]
) -> PageBody[T]:
    """The envelope of ``page`` with links relative to ``request``'s URL."""
    return PageBody(
        count=page.count,
        next=_link(request, page.request.page + 1) if page.has_next else None,
        previous=_link(request, page.request.page - 1) if page.has_previous else None,
        results=[render(item) for item in page.items],
    )


def _link(request: Request[Any, Any, Any], page: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    params.append(("page", str(page)))
    # Litestar routes "/x/" as "/x"; links keep the path exactly as the client sent it.
    raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
    return str(request.url.with_replacements(path=raw_path, query=urlencode(params)))
