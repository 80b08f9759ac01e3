"""Litestar dependency providers that hand use cases from the container to handlers."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import State
from litestar.di import Provide


def use_case(name: str) -> Provide:
    """A dependency resolving the container's ``name`` provider."""

    def provide(state: State) -> Any:
        return getattr(state.container, name)()

    provide.__name__ = f"provide_{name}"
    return Provide(provide, sync_to_thread=False)
