"""Revoked logins across processes, on SQLite and PostgreSQL: a login ended by one
process (reuse detected, logout) is refused by another from its next read of the
database; only the logins that may still hold a live access token are read."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.revoked_logins import SqlRevokedLogins
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.phone import Phone
from shopcore.domain.users import RefreshToken, User
from tests.support import empty_engine

NOW = datetime.now(UTC)
LIFETIME = 900


class FixedClock:
    def now(self) -> datetime:
        return NOW


async def add_login(engine: AsyncEngine, login_id: str, issued_at: datetime,
                    *, revoked: bool) -> None:
    async with SqlUnitOfWork(engine) as work:
        if await work.users.get("user-1") is None:
            await work.users.add(User("user-1", Phone("+919876543210"), False, NOW))
        await work.refresh_tokens.add(RefreshToken(
            token_hash=f"hash-{login_id}", family_id=login_id, user_id="user-1",
            issued_at=issued_at, expires_at=issued_at + timedelta(days=30)))
        if revoked:
            await work.refresh_tokens.revoke_family(login_id)
        await work.commit()


async def test_another_process_learns_the_revoked_logins_that_matter(
    engine: AsyncEngine,
) -> None:
    await add_login(engine, "ended-now", NOW - timedelta(minutes=1), revoked=True)
    await add_login(engine, "ended-long-ago", NOW - timedelta(seconds=LIFETIME + 1),
                    revoked=True)  # every access token of it has expired
    await add_login(engine, "going-on", NOW - timedelta(minutes=1), revoked=False)
    here = SqlRevokedLogins(engine, FixedClock(), LIFETIME)
    elsewhere = SqlRevokedLogins(engine, FixedClock(), LIFETIME)

    here.revoke("ended-here")
    assert here.is_revoked("ended-here") and not elsewhere.is_revoked("ended-here")
    assert not elsewhere.is_revoked("ended-now")  # not read yet
    await elsewhere.refresh()
    assert [login for login in ("ended-now", "ended-long-ago", "going-on")
            if elsewhere.is_revoked(login)] == ["ended-now"]


async def test_refreshing_goes_on_while_postgresql_refuses_connections(
    postgres_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    # A server starting up (or refusing the login) fails the connect with asyncpg's own
    # error, unwrapped: the refresh is retried on its interval, and the task ends only
    # when cancelled, as the app's shutdown cancels and awaits it.
    engine = await empty_engine(postgres_url)
    refusing = False

    @event.listens_for(engine.sync_engine, "do_connect")
    def _refuse(*_args: object) -> None:
        if refusing:
            raise asyncpg.exceptions.CannotConnectNowError("the database system is starting up")

    try:
        await add_login(engine, "ended-now", NOW - timedelta(minutes=1), revoked=True)
        await engine.dispose()  # the next read connects anew
        refusing = True
        revoked_logins = SqlRevokedLogins(engine, FixedClock(), LIFETIME)
        with caplog.at_level(logging.WARNING, logger="shopcore.auth"):
            task = asyncio.create_task(revoked_logins.keep_refreshed(0.01))
            await asyncio.sleep(0.2)
        assert not task.done()
        assert "could not read the revoked logins: CannotConnectNowError" in caplog.messages
        assert not revoked_logins.is_revoked("ended-now")

        refusing = False  # the server answers again
        async with asyncio.timeout(10):
            while not revoked_logins.is_revoked("ended-now"):
                await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await engine.dispose()
