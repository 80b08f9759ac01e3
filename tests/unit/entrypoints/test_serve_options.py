"""``shopcore serve`` hands uvicorn the options shopcore's guarantees rest on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn

from shopcore.entrypoints.cli import main
from shopcore.entrypoints.settings import Settings


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


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("given", [None, "  "])  # unset, or blank (which counts as unset)
def test_every_worker_of_one_serve_signs_with_the_same_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: str, given: str | None,
) -> None:
    # In test mode without SHOPCORE_SECRET_KEY each Settings.load() draws a random key;
    # each uvicorn worker loads the settings anew, from the environment it inherits.
    keys: list[str] = []

    def start_workers(*_: object, **options: Any) -> None:
        keys.extend(Settings.load().secret_key for _ in range(options["workers"]))

    monkeypatch.setattr(uvicorn, "run", start_workers)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_ENV", "test")
    monkeypatch.setenv("SHOPCORE_SECRET_KEY", "restored after the test")
    monkeypatch.delenv("SHOPCORE_SECRET_KEY")
    if given is not None:
        monkeypatch.setenv("SHOPCORE_SECRET_KEY", given)
    monkeypatch.setenv("SHOPCORE_READ_CACHE_MS", "1000")  # restored too
    assert main(["serve", "--workers", workers]) == 0
    assert len(keys) == int(workers) and len(set(keys)) == 1 and len(keys[0]) >= 32


def test_a_given_secret_key_is_left_as_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    keys: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: keys.append(Settings.load().secret_key))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_ENV", "test")
    monkeypatch.setenv("SHOPCORE_SECRET_KEY", "k" * 40)
    assert main(["serve", "--workers", "2"]) == 0 and keys == ["k" * 40]
