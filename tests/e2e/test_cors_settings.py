"""Origins written in SHOPCORE_CORS_ORIGINS match what browsers send in ``Origin``."""

from __future__ import annotations

from pathlib import Path

import httpx

from shopcore.entrypoints.container import build_container, close_container
from shopcore.entrypoints.http.app import create_app
from shopcore.entrypoints.settings import Settings
from tests.e2e.conftest import app_settings


async def test_origins_written_loosely_are_echoed_to_the_browsers_origin(tmp_path: Path) -> None:
    written = "https://Shop.Example/, https://admin.example:443, https://shop.xn--r8jz45g.jp"
    origins = Settings.load({"SHOPCORE_ENV": "test", "SHOPCORE_CORS_ORIGINS": written},
                            workdir=tmp_path).cors_origins
    container = build_container(app_settings("sqlite+aiosqlite://", tmp_path / "media",
                                             cors_origins=origins))
    transport = httpx.ASGITransport(app=create_app(container=container))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for sent in ("https://shop.example", "https://admin.example",
                         "https://shop.xn--r8jz45g.jp"):
                answer = await http.get("/health/live", headers={"Origin": sent})
                assert answer.headers.get("access-control-allow-origin") == sent
            other = await http.get("/health/live", headers={"Origin": "https://shop.example.com"})
            assert "access-control-allow-origin" not in other.headers
    finally:
        await close_container(container)
