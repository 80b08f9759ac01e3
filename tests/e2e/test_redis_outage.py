"""With Redis configured but down, OTP delivery fails closed, quickly and cleanly."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.http.app import create_app
from tests.e2e.conftest import app_settings


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
