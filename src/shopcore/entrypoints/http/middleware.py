"""ASGI middleware: a request id, a time limit and security headers on every answer."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from shopcore.entrypoints.logging_config import REQUEST_ID

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_NO_STORE = (b"cache-control", b"no-store")


def request_middleware(timeout_seconds: float) -> Callable[[ASGIApp], ASGIApp]:
    """One layer for every request that reaches a route: it gets an id (a safe incoming
    ``X-Request-ID`` is kept) before its handler runs, so its log records carry it (the
    headers are added by :func:`security_headers_hook`, which also sees the answers no
    route gave); and it is given up after ``timeout_seconds``: the handler is cancelled,
    so its unit of work rolls back, and the answer is a 503 problem if nothing was sent
    yet. One timer handle per request (``loop.call_at``), not an ``asyncio.timeout``
    context, and one layer instead of two: the per-request overhead is measured."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            REQUEST_ID.set(request_id_of(scope))
            task = asyncio.current_task()
            assert task is not None
            expiry = _Expiry(task)
            loop = asyncio.get_running_loop()
            handle = loop.call_at(loop.time() + timeout_seconds, expiry.fire)

            async def tracking_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    expiry.started = True
                await send(message)

            try:
                await app(scope, receive, tracking_send)
            except asyncio.CancelledError:
                # Ours only if the timer fired and nobody else cancelled the task too
                # (as ``asyncio.timeout`` decides).
                if not expiry.fired or task.uncancel() > 0:
                    raise
                if expiry.started:
                    raise TimeoutError from None
                await _send_timeout(send, timeout_seconds)
            else:
                if expiry.fired:  # the handler swallowed the cancellation
                    task.uncancel()
            finally:
                handle.cancel()

        return middleware

    return wrap


class _Expiry:
    """A request's timer: whether it fired, and whether the answer had started."""

    __slots__ = ("fired", "started", "task")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self.task = task
        self.fired = False
        self.started = False

    def fire(self) -> None:
        if not self.task.done():
            self.fired = True
            self.task.cancel()


def request_id_of(scope: Scope) -> str:
    """The request's id, assigned on first use (a safe incoming ``X-Request-ID`` is kept;
    else 16 random hex digits: an id to correlate logs, not a secret)."""
    state = scope.setdefault("state", {})
    request_id: str | None = state.get("request_id")
    if request_id is None:
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) \
            else f"{random.getrandbits(64):016x}"
        state["request_id"] = request_id
    return request_id


async def security_headers_hook(message: Message, scope: Scope) -> None:
    """App-wide ``before_send`` hook: every answer carries the request id and the security
    headers, also those given before any route was matched (404, 405, a body refused while
    being read); answers to authenticated requests are never cached (said once: the
    answers carrying tokens say it themselves). An answer to ``HEAD`` (served by the
    ``GET`` route's twin, :data:`~shopcore.entrypoints.http.routing.head`) has its
    headers and no body, also when it is a problem."""
    if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
        if message["type"] == "http.response.body" and scope.get("method") == "HEAD":
            message["body"] = b""
        return
    given = message.get("headers", ())
    headers: list[Any] = [*given,
                          (b"x-request-id", request_id_of(scope).encode()), *SECURITY_HEADERS]
    if _header(scope, b"authorization") is not None and _NO_STORE not in given:
        headers.append(_NO_STORE)
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
        return  # not the answer of an OPTIONS handler (a 404, a refusal)
    template = scope.get("path_template")
    methods = next((route.methods for route in scope["litestar_app"].routes
                    if route.path_format == template), None)
    if methods:
        headers = [(name, value) for name, value in headers if name.lower() != b"allow"]
        headers.append((b"allow", ", ".join(sorted(methods)).encode()))
        message["headers"] = headers


def raw_header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of the request header ``name`` (lower case) as sent, or None."""
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value)
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    value = raw_header(scope, name)
    return None if value is None else value.decode("latin-1")


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
