"""The ASGI entry for servers: ``uvicorn --factory shopcore.entrypoints.asgi:app``."""

from __future__ import annotations

from litestar import Litestar

from shopcore.entrypoints.http.app import create_app


def app() -> Litestar:
    """Build the app from the environment (called once per worker process)."""
    return create_app()
