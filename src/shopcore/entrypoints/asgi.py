"""The ASGI entry for servers: ``uvicorn --factory shopcore.entrypoints.asgi:app``."""

from __future__ import annotations

import gc

from litestar import Litestar

from shopcore.domain import search
from shopcore.entrypoints.http.app import create_app


def app() -> Litestar:
    """Build the app from the environment (called once per worker process).

    The objects made at start-up (the app, its OpenAPI schema, SQLAlchemy's tables,
    the phone-number metadata: ~150,000) live as long as the process, so they are moved
    out of the garbage collector's reach (``gc.freeze``): a full collection then scans
    only what requests left behind, instead of pausing every request for ~80 ms. The
    search's character tables are built here too, not on the first request that needs
    them.
    """
    application = create_app()
    search.prepare()
    gc.collect()
    gc.freeze()
    return application
