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
    """Counts events per key in a sliding window, atomically across processes: at most
    ``limit`` counted events of a key in any interval of ``window_seconds``."""

    async def hit(self, key: str, limit: int, window_seconds: int, event: str = "") -> int | None:
        """Count one event; if ``limit`` events were already counted in the last
        ``window_seconds``, return the whole seconds (at least 1) until one more fits,
        i.e. until the oldest of them leaves the window (the event is then not counted),
        else ``None``.

        ``event`` names the event for ``undo``: a name no other event of the key has
        (a random token). Unnamed events cannot be taken back.
        """
        ...

    async def undo(self, key: str, window_seconds: int, event: str) -> None:
        """Take back the counted event ``event`` of ``key`` (for work that did not happen
        after all); nothing happens when it is not counted (it was refused, or has left
        the window). Other events keep their times, whatever was counted since."""
        ...
