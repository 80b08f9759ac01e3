"""The servers' ASGI entry freezes the start-up objects out of the garbage collector."""

from __future__ import annotations

import gc
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
