"""Litestar dependency providers that hand use cases from the container to handlers."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency, Provide
from litestar.types import Scope

from shopcore.application.ports import AccessClaims


def use_case(name: str) -> Provide:
    """A dependency resolving the container's ``name`` provider.

    It takes the ASGI ``scope`` (handed over as it is) rather than the app's ``State``,
    which Litestar copies into a new ``State`` for every request that asks for it."""

    def provide(scope: Scope) -> Any:
        return _from_container(scope, name)

    provide.__name__ = f"provide_{name}"
    return Provide(provide, sync_to_thread=False)


def use_case_after_claims(name: str) -> Provide:
    """``use_case`` for a route that also takes ``claims``: the provider takes the claims
    (and ignores them) so that Litestar resolves it after them."""

    # Litestar resolves the dependencies that do not depend on each other concurrently,
    # in an anyio task group, which costs more per request than both of these together.
    def provide(scope: Scope, claims: NamedDependency[AccessClaims]) -> Any:
        return _from_container(scope, name)

    provide.__name__ = f"provide_{name}"
    return Provide(provide, sync_to_thread=False)


def _from_container(scope: Scope, name: str) -> Any:
    return getattr(scope["litestar_app"].state.container, name)()
