"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

import msgspec
from litestar import Controller, Response
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.engine import DATABASE_UNAVAILABLE
from shopcore.adapters.sql.migrate import migrations_pending
from shopcore.entrypoints.http.routing import get, head

PROBE_TIMEOUT_SECONDS = 3


class HealthBody(msgspec.Struct):
    """Probe answer."""

    status: str
    database: str | None = None
    redis: str | None = None  # null when SHOPCORE_REDIS_URL is not set


class HealthController(Controller):
    """Probes for load balancers and orchestrators."""

    path = "/health"
    tags = ["operations"]
    include_in_schema = True

    @get("/live", summary="The process is running")
    async def live(self) -> HealthBody:
        """Always 200 while the process serves requests. ``HEAD`` answers the same
        headers without the body."""
        return HealthBody(status="ok")

    @head("/live")
    async def live_headers(self) -> HealthBody:
        """The headers of ``GET``, without the body."""
        return HealthBody(status="ok")

    @get("/ready", summary="The database (and Redis, when configured) answer",
         responses={503: ResponseSpec(data_container=HealthBody, generate_examples=False,
                                      description="The database or Redis does not answer, "
                                                  "or the schema needs migrating")})
    async def ready(self, state: State) -> Response[HealthBody]:
        """200 when the database answers with a schema migrated for this release and
        Redis (when configured) answers PING, each within a few seconds; 503 otherwise.
        The body says which: ``database`` is ``up``, ``down``, or ``migrations_pending``
        (run ``shopcore db upgrade``; a schema a later release migrated is ``up``).
        ``HEAD`` answers the same status and headers without the body."""
        return await _readiness(state)

    @head("/ready")
    async def ready_headers(self, state: State) -> Response[HealthBody]:
        """The status and headers of ``GET``, without the body."""
        return await _readiness(state)


async def _readiness(state: State) -> Response[HealthBody]:
    container = state.container
    redis_client: Redis | None = container.redis_client()
    database = await database_state(container.engine())
    redis = None if redis_client is None else await _redis_state(redis_client)
    healthy = database == "up" and redis in (None, "up")
    body = HealthBody(status="ok" if healthy else "unavailable", database=database,
                      redis=redis)
    return Response(body, status_code=200 if healthy else 503)


async def database_state(engine: AsyncEngine) -> str:
    """``up``, ``down`` (no answer within a few seconds, or the connection refused) or
    ``migrations_pending``."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            async with engine.connect() as connection:
                pending = await migrations_pending(connection)
    except DATABASE_UNAVAILABLE:
        return "down"
    return "migrations_pending" if pending else "up"


async def _redis_state(client: Redis) -> str:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            await client.ping()
    except (RedisError, OSError, TimeoutError):
        return "down"
    return "up"
