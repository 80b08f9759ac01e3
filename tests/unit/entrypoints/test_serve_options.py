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


@pytest.mark.parametrize("options", [
    ["serve", "--port", "99999"],  # uvicorn would listen on 99999 mod 65536
    ["serve", "--port", "-1"],
    ["serve", "--port", "http"],
    ["serve", "--workers", "0"],
    ["serve", "--workers", "-3"],
    ["serve", "--workers", "9" * 5000],
    ["payments", "retry-refunds", "--limit", "0"],
])
def test_a_numeric_option_out_of_range_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    options: list[str],
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: pytest.fail("uvicorn was started"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_ENV", "test")
    with pytest.raises(SystemExit) as exited:
        main(options)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {options[-2]}" in err and "Traceback" not in err


@pytest.mark.parametrize("port", ["0", "1", "65535"])  # 0: a free port the system picks
def test_every_tcp_port_is_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: str
) -> None:
    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_, **options: given.update(options))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_ENV", "test")
    assert main(["serve", "--port", port]) == 0 and given["port"] == int(port)
