"""Answers carrying tokens are never stored by a cache (RFC 6749 §5.1): ``Cache-Control:
no-store`` and ``Pragma: no-cache`` on verify-otp and refresh, as the OpenAPI document says."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from dependency_injector import providers

from shopcore.adapters.memory.basics import ManualClock
from tests.e2e.conftest import TEST_CODE, TEST_NUMBER, Api

NO_STORE = {"cache-control": ["no-store"], "pragma": ["no-cache"]}


def cache_headers(answer: httpx.Response) -> dict[str, list[str]]:
    return {name: answer.headers.get_list(name) for name in NO_STORE}


async def verify(api: Api, **headers: str) -> httpx.Response:
    await api.client.post("/api/auth/request-otp/", json={"phone": TEST_NUMBER})
    return await api.client.post("/api/auth/verify-otp/", headers=headers,
                                 json={"phone": TEST_NUMBER, "otp": TEST_CODE})


async def test_a_login_answer_is_not_stored(api: Api) -> None:
    answer = await verify(api)
    assert answer.status_code == 200, answer.text
    assert "access_token" in answer.json()
    assert cache_headers(answer) == NO_STORE


async def test_a_refresh_answer_is_not_stored(api: Api) -> None:
    login = (await verify(api)).json()
    answer = await api.client.post("/api/auth/refresh/",
                                   json={"refresh_token": login["refresh_token"]})
    assert answer.status_code == 200, answer.text
    assert "refresh_token" in answer.json()
    assert cache_headers(answer) == NO_STORE


async def test_the_headers_are_not_doubled_for_a_caller_sending_a_token(api: Api) -> None:
    clock = ManualClock(datetime.now(UTC))
    api.container.clock.override(providers.Object(clock))
    first = (await verify(api)).json()
    bearer = f"Bearer {first['access_token']}"
    clock.advance(seconds=30)  # past the resend cooldown
    login = await verify(api, Authorization=bearer)
    refreshed = await api.client.post("/api/auth/refresh/", headers={"Authorization": bearer},
                                      json={"refresh_token": first["refresh_token"]})
    assert login.status_code == refreshed.status_code == 200
    assert cache_headers(login) == cache_headers(refreshed) == NO_STORE


async def test_the_openapi_document_declares_the_headers(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    for path in ("/api/auth/verify-otp/", "/api/auth/refresh/"):
        headers = paths[path]["post"]["responses"]["200"]["headers"]
        assert {name.lower() for name in headers} >= {"cache-control", "pragma"}, path
        for name, header in headers.items():
            assert header["schema"]["type"] == "string"
            assert header["description"], (path, name)
