"""Revoked logins shared by every process through the refresh tokens' table."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.revoked_logins import InProcessRevokedLogins
from shopcore.adapters.sql.engine import DATABASE_UNAVAILABLE, read_connection
from shopcore.adapters.sql.tables import refresh_tokens
from shopcore.application.ports import Clock

log = logging.getLogger("shopcore.auth")


class SqlRevokedLogins(InProcessRevokedLogins):
    """``RevokedLogins`` of every process serving one database: a login revoked in this
    process is refused at once; one revoked by another process from the next
    :meth:`refresh` on (``keep_refreshed`` runs it every ``interval`` seconds).

    An access token is issued with a refresh token of its login, so the logins that
    can still hold a live access token are those with a refresh token issued within
    the access-token lifetime: only those are read (``ix_refresh_tokens_issued``)."""

    def __init__(self, engine: AsyncEngine, clock: Clock, access_lifetime_seconds: int) -> None:
        super().__init__(access_lifetime_seconds)
        self._engine = engine
        self._now = clock.now
        self._window = timedelta(seconds=access_lifetime_seconds)
        self._elsewhere: frozenset[str] = frozenset()

    def is_revoked(self, login_id: str) -> bool:
        return login_id in self._elsewhere or super().is_revoked(login_id)

    async def refresh(self) -> None:
        """Read the revoked logins that may still hold a live access token."""
        query = (select(refresh_tokens.c.family_id).distinct()
                 .where(refresh_tokens.c.issued_at > self._now() - self._window,
                        refresh_tokens.c.revoked == true()))
        async with read_connection(self._engine) as connection:
            rows = await connection.execute(query)
            self._elsewhere = frozenset(row.family_id for row in rows)

    async def keep_refreshed(self, interval: float) -> None:
        """Refresh every ``interval`` seconds until cancelled; a failed read (the
        database does not answer or refuses the connection, e.g. while it restarts) is
        logged and the last answer kept, and the next one tried ``interval`` later."""
        while True:
            try:
                await self.refresh()
            except DATABASE_UNAVAILABLE as error:
                log.warning("could not read the revoked logins: %s", type(error).__name__)
            await asyncio.sleep(interval)
