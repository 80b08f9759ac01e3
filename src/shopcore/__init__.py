"""shopcore: an e-commerce backend you can serve over HTTP, import as a library, and
unit-test use case by use case.

The public modules are ``shopcore`` (this one: ``bootstrap``, ``Shop``, ``Settings``),
``shopcore.domain``, ``shopcore.application`` and ``shopcore.testing``; everything else
is private (see docs/library.md). The names below load on first use, so importing
``shopcore.domain`` or ``shopcore.application`` never pulls in a database driver.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shopcore.entrypoints.settings import Settings, SettingsError
    from shopcore.shop import SettingsValues, Shop, bootstrap

__all__ = ["Settings", "SettingsError", "SettingsValues", "Shop", "bootstrap"]

# A library logs, the application decides where to: without a logging configuration
# the ``shopcore.*`` records go nowhere (instead of Python's last-resort stderr).
logging.getLogger("shopcore").addHandler(logging.NullHandler())

_HOMES = {
    "bootstrap": "shopcore.shop",
    "Shop": "shopcore.shop",
    "SettingsValues": "shopcore.shop",
    "Settings": "shopcore.entrypoints.settings",
    "SettingsError": "shopcore.entrypoints.settings",
}


def __getattr__(name: str) -> object:
    """Import ``bootstrap``, ``Shop``, ``Settings``... from their module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'shopcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
