"""The Litestar application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from shopcore.entrypoints.container import Container, build_container, close_container
from shopcore.entrypoints.http.controllers.auth import AuthController
from shopcore.entrypoints.http.controllers.cart import CartController
from shopcore.entrypoints.http.controllers.catalog import catalog_routes
from shopcore.entrypoints.http.controllers.health import HealthController, database_state
from shopcore.entrypoints.http.controllers.media import MediaController
from shopcore.entrypoints.http.controllers.orders import OrdersController
from shopcore.entrypoints.http.controllers.payments import PaymentsController
from shopcore.entrypoints.http.controllers.reviews import ReviewsController
from shopcore.entrypoints.http.controllers.wishlist import WishlistController
from shopcore.entrypoints.http.cors import cors_hook
from shopcore.entrypoints.http.middleware import (
    options_allow_hook,
    request_middleware,
    security_headers_hook,
)
from shopcore.entrypoints.http.openapi import ContractJsonRenderPlugin, StrictStructSchemaPlugin
from shopcore.entrypoints.http.problems import EXCEPTION_HANDLERS
from shopcore.entrypoints.http.requests import ShopcoreRequest
from shopcore.entrypoints.settings import Settings

log = logging.getLogger("shopcore.http")

MAX_JSON_BODY = 1024 * 1024
REVOKED_LOGINS_REFRESH_S = 1.0
"""How often the served app reads the logins other processes ended."""

API_DESCRIPTION = """An e-commerce backend: mobile-OTP login, catalog, cart, orders.

Every error is an RFC 9457 problem document (`application/problem+json`) with a stable
`code`. Request bodies are JSON, sent with `Content-Type: application/json` (or
`application/*+json`; parameters such as `charset` are allowed); product creation also
takes `multipart/form-data`. A body of another type, or a non-empty one without a
`Content-Type`, is refused before it is read (whatever its size): 415 `unsupported_media`.
Limits: JSON bodies up to 1 MiB (413 `payload_too_large`, also for chunked bodies),
uploads up to `SHOPCORE_MAX_IMAGE_BYTES` and 1,000 form parts (413 too); pages of 1..100
items, page numbers up to 1,000,000; a cart holds at most 100 products of at most 99 units
each, a wishlist at most 200 products (422 `validation_error`); each user may change their
cart, wishlist, reviews and orders `SHOPCORE_WRITES_PER_MINUTE` times in any minute
(default 60), and one client IP may fail `SHOPCORE_OTP_VERIFY_FAILURES_PER_IP` code checks
in any 10 minutes (default 20): beyond, 429 `rate_limited` with `Retry-After`. A request
still running after `SHOPCORE_REQUEST_TIMEOUT` seconds (default 30) is abandoned: 503
`request_timeout`."""


def create_app(settings: Settings | None = None, container: Container | None = None) -> Litestar:
    """Build the HTTP app. Nothing is opened until start-up."""
    if container is None:
        container = build_container(settings or Settings.load())
    settings = container.settings()

    refreshing: list[asyncio.Task[None]] = []

    async def learn_revoked_logins() -> None:
        # Logins ended by another process (or before this one started) are refused too.
        revoked_logins = container.revoked_logins()
        refreshing.append(asyncio.create_task(
            revoked_logins.keep_refreshed(REVOKED_LOGINS_REFRESH_S)))

    async def warn_if_migrations_pending() -> None:
        # Requests would fail until the schema is migrated (/health/ready says so too); a
        # database that does not answer yet is the probe's to report, not a failed start.
        if await database_state(container.engine()) == "migrations_pending":
            log.warning("the database schema is older than this release: run "
                        "`shopcore db upgrade` (/health/ready answers 503 until then)")

    async def close_resources() -> None:
        for task in refreshing:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await close_container(container)

    app = Litestar(
        route_handlers=[AuthController, HealthController,
                        # shopping
                        CartController, OrdersController, WishlistController, ReviewsController,
                        # catalog
                        *catalog_routes(max_image_bytes=settings.max_image_bytes,
                                        json_body_limit=MAX_JSON_BODY),
                        MediaController,
                        # payments
                        PaymentsController],
        on_startup=[warn_if_migrations_pending, learn_revoked_logins],
        on_shutdown=[close_resources],
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=ShopcoreRequest,
        middleware=[request_middleware(settings.request_timeout_seconds)],
        before_send=[options_allow_hook, security_headers_hook,
                     *([cors_hook(settings.cors_origins)] if settings.cors_origins else [])],
        plugins=[StrictStructSchemaPlugin()],
        request_max_body_size=MAX_JSON_BODY,
        openapi_config=OpenAPIConfig(
            title="shopcore",
            version="1.0.0",
            description=API_DESCRIPTION,
            use_handler_docstrings=True,
            path="/schema",
            render_plugins=[ContractJsonRenderPlugin(), SwaggerRenderPlugin()],
            components=Components(security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer",
                                              bearer_format="JWT")}),
        ),
        debug=False,
    )
    app.state.container = container
    return app
