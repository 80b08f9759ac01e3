"""The `shopcore` command as a user runs it (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHOPCORE = [sys.executable, "-m", "shopcore.entrypoints.cli"]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHOPCORE_")}
    environment.pop("TWO_FACTOR_API_KEY", None)
    environment.update(env)
    return subprocess.run(
        [*SHOPCORE, *args],
        cwd=tmp_path,
        env=environment,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"SHOPCORE_ENV": "nope"}, "SHOPCORE_ENV"),
        ({"SHOPCORE_MAX_IMAGE_BYTES": "big"}, "SHOPCORE_MAX_IMAGE_BYTES"),
        ({"SHOPCORE_OTP_TEST_NUMBERS": "garbage"}, "SHOPCORE_OTP_TEST_NUMBERS"),
        ({"SHOPCORE_ENV": "production", "TWO_FACTOR_API_KEY": "k"}, "SHOPCORE_SECRET_KEY"),
        ({"SHOPCORE_ENV": "production", "SHOPCORE_SECRET_KEY": "x" * 40}, "TWO_FACTOR_API_KEY"),
    ],
)
def test_serve_with_a_wrong_setting_exits_with_one_line_naming_it(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    result = run(tmp_path, "serve", "--port", "0", **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0] and "Traceback" not in result.stderr


def test_db_upgrade_then_create_admin_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade = run(tmp_path, "db", "upgrade", SHOPCORE_DATABASE_URL=url)
    assert upgrade.returncode == 0, upgrade.stderr
    again = run(tmp_path, "db", "upgrade", SHOPCORE_DATABASE_URL=url)
    assert again.returncode == 0, again.stderr
    admin = run(tmp_path, "create-admin", "98765 43210", SHOPCORE_DATABASE_URL=url)
    assert admin.returncode == 0, admin.stderr
    assert "+919876543210 is an admin" in admin.stdout


def test_create_admin_refuses_a_bad_number_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    run(tmp_path, "db", "upgrade", SHOPCORE_DATABASE_URL=url)
    result = run(tmp_path, "create-admin", "12", SHOPCORE_DATABASE_URL=url)
    assert result.returncode == 2 and "phone" in result.stderr
    assert "Traceback" not in result.stderr
