"""ASGI middleware: a request id and security headers on every answer."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from shopcore.entrypoints.logging_config import REQUEST_ID

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Give every request that reaches a route an id (a safe incoming ``X-Request-ID`` is
    kept) before its handler runs, so its log records carry it. The headers are added by
    :func:`security_headers_hook`, which also sees the answers no route gave."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            REQUEST_ID.set(request_id_of(scope))
        await app(scope, receive, send)

    return middleware


def request_id_of(scope: Scope) -> str:
    """The request's id, assigned on first use (a safe incoming ``X-Request-ID`` is kept)."""
    state = scope.setdefault("state", {})
    request_id: str | None = state.get("request_id")
    if request_id is None:
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) \
            else secrets.token_hex(8)
        state["request_id"] = request_id
    return request_id


async def security_headers_hook(message: Message, scope: Scope) -> None:
    """App-wide ``before_send`` hook: every answer carries the request id and the security
    headers, also those given before any route was matched (404, 405, a body refused while
    being read); answers to authenticated requests are never cached."""
    if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
        return
    headers: list[Any] = list(message.get("headers", []))
    headers.append((b"x-request-id", request_id_of(scope).encode()))
    headers.extend(SECURITY_HEADERS)
    if _header(scope, b"authorization") is not None:
        headers.append((b"cache-control", b"no-store"))
    message["headers"] = headers


async def options_allow_hook(message: Message, scope: Scope) -> None:
    """App-wide ``before_send`` hook: ``OPTIONS`` answers list every method of the path.

    Litestar 2 builds the ``OPTIONS`` answer of a path served by several handlers (``GET``
    and ``POST /api/wishlist/``) from the methods of the first one only (litestar#4169,
    fixed in Litestar 3); the route the request matched knows them all.
    """
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    headers: list[Any] = list(message.get("headers", []))
    if not any(name.lower() == b"allow" for name, _ in headers):
        return  # a CORS preflight, answered by the CORS middleware
    template = scope.get("path_template")
    methods = next((route.methods for route in scope["litestar_app"].routes
                    if route.path_format == template), None)
    if methods:
        headers = [(name, value) for name, value in headers if name.lower() != b"allow"]
        headers.append((b"allow", ", ".join(sorted(methods)).encode()))
        message["headers"] = headers


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def request_timeout_middleware(seconds: float) -> Callable[[ASGIApp], ASGIApp]:
    """Give up on a request after ``seconds``: a 503 problem if nothing was sent yet.

    The handler is cancelled, so its unit of work rolls back.
    """

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            started = False

            async def tracking_send(message: Message) -> None:
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                async with asyncio.timeout(seconds):
                    await app(scope, receive, tracking_send)
            except TimeoutError:
                if started:
                    raise
                await _send_timeout(send, seconds)

        return middleware

    return wrap


async def _send_timeout(send: Send, seconds: float) -> None:
    body = json.dumps({
        "type": "https://shopcore.dev/problems/request_timeout",
        "title": "Service Unavailable", "status": 503, "code": "request_timeout",
        "detail": f"The request took longer than {seconds:g} s and was abandoned.",
    }).encode()
    start: HTTPResponseStartEvent = {
        "type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()), (b"retry-after", b"1")]}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
