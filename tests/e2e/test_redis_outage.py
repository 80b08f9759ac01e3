"""With Redis configured but down, or no connection to it free in time, OTP delivery
fails closed, quickly and cleanly."""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

import httpx
from dependency_injector import providers

from shopcore.adapters.redis_rate_limiter import build_redis_client
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.http.app import create_app
from tests.e2e.conftest import app_settings
from tests.redis_service import REDIS_URL, delete_keys


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_otp_requests_fail_closed_when_redis_is_down(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = app_settings(postgres_url, tmp_path / "media",
                            redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    container = build_container(settings)
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.local") as http:
            started = time.monotonic()
            answer = await http.post("/api/auth/request-otp/", json={"phone": "+919876543219"})
            elapsed = time.monotonic() - started
            test_number = await http.post("/api/auth/request-otp/",
                                          json={"phone": "+919999999999"})
    finally:
        await close_container(container)

    # Nothing is sent uncounted: the request fails as a plain problem document.
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "internal_error"
    assert "redis" not in answer.text.lower() and "127.0.0.1" not in answer.text
    assert elapsed < 10
    # Test numbers are never counted, so they do not need Redis.
    assert test_number.status_code == 202


async def test_a_request_that_waits_too_long_for_a_redis_connection_fails_as_in_an_outage(
    postgres_url: str, tmp_path: Path
) -> None:
    prefix = f"shopcore:test-{uuid.uuid4().hex}:"
    settings = app_settings(postgres_url, tmp_path / "media", redis_url=REDIS_URL,
                            redis_key_prefix=prefix)
    container = build_container(settings)
    busy = build_redis_client(REDIS_URL, max_connections=1, pool_timeout=0.05)
    container.redis_client.override(providers.Object(busy))
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.local") as http:
            held = await busy.connection_pool.get_connection()
            try:
                answer = await http.post("/api/auth/request-otp/",
                                         json={"phone": "+919876543219"})
            finally:
                await busy.connection_pool.release(held)
            freed = await http.post("/api/auth/request-otp/", json={"phone": "+919876543219"})
    finally:
        await delete_keys(busy, f"{prefix}*")
        container.redis_client.reset_override()
        await busy.aclose()
        await close_container(container)

    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "internal_error"
    assert "redis" not in answer.text.lower() and "connection" not in answer.text.lower()
    assert freed.status_code == 202  # served again once a connection is free
