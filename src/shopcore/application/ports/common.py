"""Ports every area uses: time, ids, phone parsing and rate limiting."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shopcore.domain.phone import Phone


class Clock(Protocol):
    """Tells the current time (timezone-aware UTC)."""

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    """Makes new opaque, unguessable identifiers."""

    def new_id(self) -> str: ...


class PhoneNumberParser(Protocol):
    """Reads any common notation of a mobile number into a ``Phone``.

    Raises ``InvalidInput`` (field ``phone``) for anything that is not a mobile
    number of an allowed region.
    """

    def parse(self, raw: str) -> Phone: ...


class RateLimiter(Protocol):
    """Counts events per key in fixed windows, atomically across processes."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one event; return the seconds to wait if ``limit`` is already reached
        (the event is then not counted), else ``None``."""
        ...

    async def undo(self, key: str, window_seconds: int) -> None:
        """Take back one counted event (for work that did not happen after all)."""
        ...
