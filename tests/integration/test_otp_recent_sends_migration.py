"""Migration 0027 on both engines: every existing challenge keeps its quota (no phone
gains a delivery from the upgrade); rows the release before writes during a rolling
deploy are read no looser than its own window, and this release's rows give it the
window of their recent sends; the downgrade leaves the schema of 0026."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, String, column, inspect, select, table, update
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.migrate import upgrade_database
from shopcore.adapters.sql.tables import otp_challenges
from shopcore.adapters.sql.types import UtcDateTime
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.errors import RateLimited
from shopcore.domain.otp import OtpChallenge, OtpChannel, issue_challenge
from shopcore.domain.phone import Phone
from tests.postgres_databases import downgrade, on_both_engines

W = datetime(2026, 11, 30, 10, 0, 0, 123_457, tzinfo=UTC)
"""Where the spent window began (microseconds: nothing may round them away)."""
SPENT, SPARE, NO_WINDOW, INSERTED_LATER = (Phone(f"+91987654321{n}") for n in range(4))
HOURLY = 5

AS_0026_KNEW_IT = table(
    "otp_challenges", column("phone", String), column("code_hash", String),
    column("channel", String), column("issued_at", UtcDateTime()),
    column("failed_attempts", Integer), column("quota_window_start", UtcDateTime()),
    column("sent_in_window", Integer), column("used_at", UtcDateTime()))
"""The table as the release before writes it."""


def a_row(phone: Phone, issued_at: datetime, window_start: datetime | None, sent: int,
          used_at: datetime | None = None) -> dict[str, Any]:
    return {"phone": phone.e164, "code_hash": "0" * 64, "channel": "sms",
            "issued_at": issued_at, "failed_attempts": 0, "quota_window_start": window_start,
            "sent_in_window": sent, "used_at": used_at}


async def test_the_otp_recent_sends_migration_round_trip_on_both_engines(
    tmp_path: Path,
) -> None:
    await on_both_engines(tmp_path, "otp_recent_sends", _round_trip)


async def _round_trip(engine: AsyncEngine) -> None:
    await upgrade_database(engine, "0026")
    last = W + timedelta(minutes=4)
    async with engine.begin() as connection:
        await connection.execute(AS_0026_KNEW_IT.insert(), [
            a_row(SPENT, last, W, 5, used_at=last + timedelta(seconds=20)),  # logged in
            a_row(SPARE, W + timedelta(minutes=10), W, 2),
            a_row(NO_WINDOW, W, None, 0)])  # a test number's

    await upgrade_database(engine)
    spent, spare, no_window = [await _challenge(engine, phone)
                               for phone in (SPENT, SPARE, NO_WINDOW)]
    assert (spent.recent_sends, spare.recent_sends, no_window.recent_sends) == (
        (W,) * 5, (W,) * 2, ())
    with pytest.raises(RateLimited) as caught:  # refused until the old window's end
        spent.ensure_quota_left(W + timedelta(hours=1, microseconds=-1), HOURLY)
    assert caught.value.retry_after == 1
    spent.ensure_quota_left(W + timedelta(hours=1), HOURLY)

    await _the_release_before_writes_during_the_deploy(engine)

    async with engine.connect() as connection:
        await connection.run_sync(downgrade, "0026")
        await connection.commit()
        columns = await connection.run_sync(lambda sync: [
            info["name"] for info in inspect(sync).get_columns("otp_challenges")])
        rows = (await connection.execute(select(AS_0026_KNEW_IT))).all()
    assert "recent_sends" not in columns and len(rows) == 2
    await upgrade_database(engine)
    assert (await _challenge(engine, SPARE)).recent_sends == (W,) * 4


async def _the_release_before_writes_during_the_deploy(engine: AsyncEngine) -> None:
    # It inserts a challenge (recent_sends gets its default) and sends a third code to
    # SPARE in its window (recent_sends is left as it was).
    later = W + timedelta(minutes=20)
    async with engine.begin() as connection:
        await connection.execute(AS_0026_KNEW_IT.insert(), a_row(
            INSERTED_LATER, W + timedelta(minutes=5), W + timedelta(minutes=5), 1))
        await connection.execute(update(AS_0026_KNEW_IT)
                                 .where(AS_0026_KNEW_IT.c.phone == SPARE.e164)
                                 .values(issued_at=later, sent_in_window=3))
    inserted, spare = [await _challenge(engine, phone) for phone in (INSERTED_LATER, SPARE)]
    assert inserted.recent_sends == (W + timedelta(minutes=5),)
    assert spare.recent_sends == (W, W, later)  # the send it made, at its latest

    # This release writes the window the release before reads: from the oldest recent
    # send, holding them all.
    resent = issue_challenge(SPARE, "123456", OtpChannel.SMS, W + timedelta(minutes=30),
                             b"k" * 32, spare, counts_against_quota=True)
    async with SqlUnitOfWork(engine) as work:
        await work.otp_challenges.save(resent)
        await work.commit()
    async with engine.connect() as connection:
        row = (await connection.execute(select(otp_challenges).where(
            otp_challenges.c.phone == SPARE.e164))).one()
    assert (row.quota_window_start, row.sent_in_window) == (W, 4)
    assert await _challenge(engine, SPARE) == resent

    # Pruning: a row the release before inserted counts a send though its recent_sends
    # is empty; it goes only once issued before the second cutoff, as any row with sends.
    async with SqlUnitOfWork(engine) as work:
        deleted = await work.otp_challenges.delete_stale(W + timedelta(hours=1),
                                                         W + timedelta(minutes=5))
        await work.commit()
    async with engine.connect() as connection:
        left = (await connection.execute(
            select(otp_challenges.c.phone).order_by(otp_challenges.c.phone))).scalars().all()
    assert (deleted, left) == (2, [SPARE.e164, INSERTED_LATER.e164])  # not NO_WINDOW, SPENT


async def _challenge(engine: AsyncEngine, phone: Phone) -> OtpChallenge:
    async with SqlUnitOfWork(engine) as work:
        challenge = await work.otp_challenges.get(phone)
    assert challenge is not None
    return challenge
