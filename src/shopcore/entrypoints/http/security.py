"""Bearer authentication: guards for users and admins, and the caller's identity."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler

from shopcore.application.ports import AccessClaims
from shopcore.domain.errors import Forbidden, Unauthenticated
from shopcore.entrypoints.container import Container
from shopcore.entrypoints.trusted_proxies import client_address

BEARER_SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}]


def container_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Container:
    """The composition root the app was built with."""
    container: Container = connection.app.state.container
    return container


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The token of an ``Authorization: Bearer ...`` header, or ``Unauthenticated``."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A Bearer access token is required.")
    return token.strip()


async def requires_user(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a valid access token of a login that has not ended; its claims are kept
    on the connection."""
    claims = container_of(connection).authenticate_access()(bearer_token(connection))
    connection.state.claims = claims


async def requires_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a valid access token of a user who is an admin now (checked in the database)."""
    await requires_user(connection, _)
    claims: AccessClaims = connection.state.claims
    user = await container_of(connection).get_current_user()(claims.user_id)
    if not user.is_admin:
        raise Forbidden("This needs an admin account.")


def current_claims(request: Request[Any, Any, Any]) -> AccessClaims:
    """Dependency: the claims checked by a guard of this route."""
    claims: AccessClaims = request.state.claims
    return claims


CLAIMS = Provide(current_claims, sync_to_thread=False)
"""Register as ``dependencies={"claims": CLAIMS}`` on routes guarded by ``requires_user``."""


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address: the socket peer, or for a trusted proxy the nearest
    untrusted address of ``X-Forwarded-For``, read from every line of the header
    (:func:`~shopcore.entrypoints.trusted_proxies.client_address`)."""
    peer = connection.client.host if connection.client else "unknown"
    trusted = container_of(connection).settings().trusted_proxies
    return client_address(peer, connection.headers.getall("x-forwarded-for", []), trusted)
