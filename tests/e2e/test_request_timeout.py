"""A request that takes too long is abandoned with a 503 problem and leaves nothing behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from dependency_injector import providers
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.memory.basics import RecordingOtpGateway
from shopcore.domain.otp import OtpChannel
from shopcore.domain.phone import Phone
from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.http.app import create_app
from tests.e2e.conftest import app_settings


class SlowGateway(RecordingOtpGateway):
    """Takes far longer than the request timeout on its first delivery."""

    async def deliver(self, phone: Phone, code: str, channel: OtpChannel) -> None:
        if not self.sent:
            self.sent.append(None)  # type: ignore[arg-type]
            await asyncio.sleep(30)
        await super().deliver(phone, code, channel)


async def test_a_slow_request_answers_503_and_rolls_back(
    database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    settings = app_settings(database_url, tmp_path, request_timeout_seconds=1)
    container = build_container(settings)
    container.otp_gateway.override(providers.Object(SlowGateway()))
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            slow = await client.post("/api/auth/request-otp/", json={"phone": "+919876543210"})
            assert slow.status_code == 503
            assert slow.headers["content-type"] == "application/problem+json"
            assert slow.json()["code"] == "request_timeout"
            again = await client.post("/api/auth/request-otp/", json={"phone": "+919876543210"})
            assert again.status_code == 202  # the abandoned code was not kept as sent
    finally:
        await close_container(container)
