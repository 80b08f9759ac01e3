"""The servers' ASGI entry freezes the start-up objects out of the garbage collector."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopcore.entrypoints import asgi


def test_the_app_factory_freezes_the_start_up_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setenv("SHOPCORE_SECRET_KEY", "s" * 48)
    try:
        application = asgi.app()
        assert gc.get_freeze_count() > 10_000
        assert application.state.container is not None
    finally:
        gc.unfreeze()


# In a fresh process, since this one may have built the tables already.
BUILT_AT_START = """
from shopcore.domain import search
from shopcore.entrypoints import asgi
assert search._tables.cache_info().currsize == 0
asgi.app()
print(search._tables.cache_info().currsize)
"""


def test_the_app_factory_builds_the_search_tables_before_any_request(tmp_path: Path) -> None:
    env = {**os.environ, "SHOPCORE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
           "SHOPCORE_SECRET_KEY": "s" * 48}
    done = subprocess.run([sys.executable, "-c", BUILT_AT_START], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["1"]
