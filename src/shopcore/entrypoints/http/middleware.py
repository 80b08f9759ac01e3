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
    """Give every request an id (a safe incoming ``X-Request-ID`` is kept) and echo it,
    with the security headers; answers to authenticated requests are never cached."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) \
            else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        REQUEST_ID.set(request_id)
        authenticated = _header(scope, b"authorization") is not None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if authenticated:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


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
