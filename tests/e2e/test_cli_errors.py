"""A database the ``shopcore`` command cannot use is one clear line, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from shopcore.entrypoints.cli import main


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_ENV", "test")
    return monkeypatch


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("command", [["create-admin", "9876543210"], ["auth", "prune"],
                                     ["seed-demo", "--products", "1"]])
def test_a_command_on_a_database_never_migrated_says_to_run_db_upgrade(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    command: list[str],
) -> None:
    environment.setenv("SHOPCORE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    assert main(command) == 1
    assert "shopcore db upgrade" in one_line(capsys)


@pytest.mark.parametrize(("url", "said"), [
    ("postgresql+asyncpg://postgres:hunter2-secret@127.0.0.1:5432/shopcore_no_such_database",
     "shopcore_no_such_database"),
    ("postgresql+asyncpg://shopcore_no_such_role:hunter2-secret@127.0.0.1:5432/postgres",
     "shopcore_no_such_role"),
    (f"postgresql+asyncpg://postgres:hunter2-secret@127.0.0.1:{closed_port()}/x", "refused"),
])
@pytest.mark.parametrize("command", [["db", "upgrade"], ["create-admin", "9876543210"]])
def test_a_database_that_refuses_is_one_line_without_the_password(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    url: str, said: str, command: list[str],
) -> None:
    environment.setenv("SHOPCORE_DATABASE_URL", url)
    assert main(command) == 1
    line = one_line(capsys)
    assert "SHOPCORE_DATABASE_URL" in line and said in line.lower()
    assert "hunter2" not in line
