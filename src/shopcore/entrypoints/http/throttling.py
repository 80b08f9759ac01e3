"""Abuse limits on writes: how often one user may change their cart, wishlist, reviews
and orders (``SHOPCORE_WRITES_PER_MINUTE``), counted by the container's ``RateLimiter``
(shared by every process when Redis is configured).

Write routes take one guard that authenticates and then counts
(``requires_user_and_limits_writes``) rather than two: Litestar copies the route
handler for every guard it runs, on every request."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from shopcore.application.ports import AccessClaims
from shopcore.domain.errors import RateLimited
from shopcore.entrypoints.http.security import container_of, requires_admin, requires_user

WRITE_WINDOW_SECONDS = 60


async def limits_writes(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard, after ``requires_user`` or ``requires_admin``: counts one write of the
    caller; past ``writes_per_minute`` in the last 60 seconds, 429 ``rate_limited`` with
    ``Retry-After`` (the refused request is not counted)."""
    claims: AccessClaims = connection.state.claims
    container = container_of(connection)
    retry_after = await container.rate_limiter().hit(
        f"writes:user:{claims.user_id}", container.settings().writes_per_minute,
        WRITE_WINDOW_SECONDS)
    if retry_after is not None:
        raise RateLimited("Too many changes in a short time; try again in a moment.",
                          retry_after)


async def requires_user_and_limits_writes(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard of a user's write: ``requires_user``, then ``limits_writes`` (a request
    without a valid token is 401 and not counted)."""
    await requires_user(connection, handler)
    await limits_writes(connection, handler)


async def requires_admin_and_limits_writes(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard of an admin's write: ``requires_admin``, then ``limits_writes``."""
    await requires_admin(connection, handler)
    await limits_writes(connection, handler)
