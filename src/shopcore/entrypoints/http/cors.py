"""CORS for the configured origins only (``SHOPCORE_CORS_ORIGINS``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from litestar.enums import ScopeType
from litestar.types import Message, Scope

from shopcore.entrypoints.http.middleware import raw_header

ALLOWED_METHODS = (b"DELETE", b"GET", b"PATCH", b"POST")
ALLOWED_HEADERS = (b"authorization", b"content-type", b"idempotency-key", b"if-match")
EXPOSED_HEADERS = (b"etag", b"retry-after", b"x-request-id")
PREFLIGHT_MAX_AGE_S = 600

_PREFLIGHT = (
    (b"access-control-allow-methods", b", ".join(ALLOWED_METHODS)),
    (b"access-control-allow-headers", b", ".join(ALLOWED_HEADERS)),
    (b"access-control-max-age", str(PREFLIGHT_MAX_AGE_S).encode()),
)
_EXPOSE = (b"access-control-expose-headers", b", ".join(EXPOSED_HEADERS))


def cors_hook(origins: Collection[str]) -> Callable[[Message, Scope], Awaitable[None]]:
    """An app-wide ``before_send`` hook: an allowed origin is echoed back on every answer
    (errors and 404s too), and a preflight from it (``OPTIONS`` with
    ``Access-Control-Request-Method``) answered with success is told the methods and
    headers the API takes; any other origin gets no CORS header at all, so the browser
    refuses it. ``*`` is never sent, and credentials are never allowed (the API takes a
    bearer token, not cookies). Every answer to a request with an ``Origin`` says
    ``Vary: Origin``."""
    allowed = frozenset(origin.encode("latin-1") for origin in origins)

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
            return
        origin = raw_header(scope, b"origin")
        if origin is None:
            return
        headers: list[Any] = [*message.get("headers", ()), (b"vary", b"Origin")]
        if origin in allowed:
            headers.append((b"access-control-allow-origin", origin))
            preflight = (scope["method"] == "OPTIONS"
                         and raw_header(scope, b"access-control-request-method") is not None)
            if preflight and 200 <= message["status"] < 300:
                headers.extend(_PREFLIGHT)
            elif not preflight:
                headers.append(_EXPOSE)
        message["headers"] = headers

    return hook
