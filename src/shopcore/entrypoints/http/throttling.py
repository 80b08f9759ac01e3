"""Abuse limits on writes: how often one user may change their cart, wishlist, reviews
and orders (``SHOPCORE_WRITES_PER_MINUTE``), counted by the container's ``RateLimiter``
(shared by every process when Redis is configured)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from shopcore.application.ports import AccessClaims
from shopcore.domain.errors import RateLimited
from shopcore.entrypoints.http.security import container_of

WRITE_WINDOW_SECONDS = 60


async def limits_writes(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard, after ``requires_user`` or ``requires_admin``: counts one write of the
    caller; past ``writes_per_minute`` in the current minute, 429 ``rate_limited`` with
    ``Retry-After`` (the refused request is not counted)."""
    claims: AccessClaims = connection.state.claims
    container = container_of(connection)
    retry_after = await container.rate_limiter().hit(
        f"writes:user:{claims.user_id}", container.settings().writes_per_minute,
        WRITE_WINDOW_SECONDS)
    if retry_after is not None:
        raise RateLimited("Too many changes in a short time; try again in a moment.",
                          retry_after)
