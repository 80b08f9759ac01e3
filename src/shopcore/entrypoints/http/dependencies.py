"""Litestar dependency providers that hand use cases from the container to handlers."""

from __future__ import annotations

from typing import Any

from litestar.di import Provide
from litestar.types import Scope


def use_case(name: str) -> Provide:
    """A dependency resolving the container's ``name`` provider.

    It takes the ASGI ``scope`` (handed over as it is) rather than the app's ``State``,
    which Litestar copies into a new ``State`` for every request that asks for it."""

    def provide(scope: Scope) -> Any:
        return getattr(scope["litestar_app"].state.container, name)()

    provide.__name__ = f"provide_{name}"
    return Provide(provide, sync_to_thread=False)
