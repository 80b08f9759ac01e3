"""``shopcore serve`` hands uvicorn the options shopcore's guarantees rest on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from shopcore.entrypoints.cli import main


def test_serve_never_lets_uvicorn_believe_forwarded_headers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    # With SHOPCORE_TRUSTED_PROXIES empty the client IP is the socket peer (API.md);
    # uvicorn's default believes X-Forwarded-For from 127.0.0.1 (found by an audit).
    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_, **options: given.update(options))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_ENV", "test")
    assert main(["serve", "--port", "8123"]) == 0
    assert given["proxy_headers"] is False and given["port"] == 8123
