"""Liveness and readiness probes."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError


class HealthBody(msgspec.Struct):
    """Probe answer."""

    status: str
    database: str | None = None


class HealthController(Controller):
    """Probes for load balancers and orchestrators."""

    path = "/health"
    tags = ["operations"]
    include_in_schema = True

    @get("/live", summary="The process is running")
    async def live(self) -> HealthBody:
        """Always 200 while the process serves requests."""
        return HealthBody(status="ok")

    @get("/ready", summary="The database answers",
         responses={503: ResponseSpec(data_container=HealthBody, generate_examples=False,
                                      description="The database does not answer")})
    async def ready(self, state: State) -> Response[HealthBody]:
        """200 when the database answers a trivial query, 503 otherwise."""
        try:
            async with state.container.engine().connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return Response(HealthBody(status="unavailable", database="down"), status_code=503)
        return Response(HealthBody(status="ok", database="up"))
