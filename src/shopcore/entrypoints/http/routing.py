"""The route decorators of shopcore's controllers: Litestar's, with guards that are
handed the route handler itself.

Litestar gives every guard a copy of the route handler, on every request, so that a
guard cannot change it (``BaseRouteHandler.authorize_connection``: ~15 µs a copy, ~3%
of the CPU of a guarded write). shopcore's guards read the connection and never the
handler, so these decorators skip the copy; everything else is Litestar's
``HTTPRouteHandler`` (which ``litestar.get``, ``post``… only preset the method of)."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler


class GuardedRouteHandler(HTTPRouteHandler):
    """An HTTP route handler whose guards receive the handler, not a copy of it."""

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        """Run every guard in scope, in order; the first to raise refuses the request."""
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[misc]


get = partial(GuardedRouteHandler, http_method=HttpMethod.GET)
head = partial(GuardedRouteHandler, http_method=HttpMethod.HEAD, include_in_schema=False)
"""A ``HEAD`` twin of a ``GET`` route, answering as the ``GET`` does: its handler returns
what the ``GET`` one returns (so the headers are the same, ``Content-Length`` included),
and the app drops the body of every answer to ``HEAD``
(:func:`~shopcore.entrypoints.http.middleware.security_headers_hook`). Litestar's own
``head`` decorator takes only handlers returning nothing or a file, and sends their body
anyway. Left out of the OpenAPI document: the ``GET`` operation's description says
``HEAD`` works."""
post = partial(GuardedRouteHandler, http_method=HttpMethod.POST)
patch = partial(GuardedRouteHandler, http_method=HttpMethod.PATCH)
delete = partial(GuardedRouteHandler, http_method=HttpMethod.DELETE)
