"""Revoked logins known to this process."""

from __future__ import annotations

import time
from collections.abc import Callable


class InProcessRevokedLogins:
    """``RevokedLogins`` of one process: a login revoked here is refused until every
    access token it could hold has expired (``access_lifetime_seconds``), then
    forgotten. Enough alone where one process serves the shop."""

    def __init__(self, access_lifetime_seconds: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._lifetime = access_lifetime_seconds
        self._clock = clock
        self._until: dict[str, float] = {}

    def is_revoked(self, login_id: str) -> bool:
        until = self._until.get(login_id)
        return until is not None and until > self._clock()

    def revoke(self, login_id: str) -> None:
        now = self._clock()
        if len(self._until) >= 1024:  # forget the ones whose tokens have all expired
            self._until = {key: until for key, until in self._until.items() if until > now}
        self._until[login_id] = now + self._lifetime
