"""A served app (started, as ``shopcore serve`` starts it) reads the logins other
processes ended every second and refuses their access tokens."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.http.app import REVOKED_LOGINS_REFRESH_S, create_app
from tests.e2e.conftest import Api, app_settings


async def test_a_served_app_refuses_a_login_another_process_ended(
    api: Api, database_url: str, tmp_path: Path,
) -> None:
    other = build_container(app_settings(database_url, tmp_path / "other-media"))
    try:
        async with AsyncTestClient(create_app(container=other)) as served:  # starts it
            bearer = await api.login()
            assert (await served.get("/api/auth/me/", headers=bearer)).status_code == 200
            token = bearer["Authorization"].removeprefix("Bearer ")
            login_id = api.container.authenticate_access()(token).login_id
            async with api.container.unit_of_work() as work:  # as the other process would
                await work.refresh_tokens.revoke_family(login_id)
                await work.commit()
            answer = await refused_within(served, bearer, 10 * REVOKED_LOGINS_REFRESH_S)
            assert answer.status_code == 401
    finally:
        await close_container(other)


async def refused_within(client: httpx.AsyncClient, bearer: dict[str, str],
                         seconds: float) -> httpx.Response:
    """The first answer to ``GET /api/auth/me/`` that is not a 200, or the last one."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        answer = await client.get("/api/auth/me/", headers=bearer)
        if answer.status_code != 200 or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.05)


async def test_a_served_app_on_a_database_that_refuses_it_stops_cleanly(
    postgres_url: str, tmp_path: Path,
) -> None:
    # PostgreSQL refuses the connection (here: no such database) with asyncpg's own
    # error: the refreshing goes on, and the app's shutdown is not failed by it.
    missing = make_url(postgres_url).set(database=f"shopcore_missing_{uuid.uuid4().hex[:12]}")
    container = build_container(app_settings(missing.render_as_string(hide_password=False),
                                             tmp_path / "media"))
    async with AsyncTestClient(create_app(container=container)) as served:
        await asyncio.sleep(3 * REVOKED_LOGINS_REFRESH_S)  # a few failed refreshes
        assert (await served.get("/health/live")).status_code == 200
