"""`shopcore auth prune` as an operator runs it (a real subprocess, the system clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.otp import OtpChannel, issue_challenge
from shopcore.domain.phone import Phone
from shopcore.domain.users import RefreshToken, User
from tests.integration.test_payments_cli import run
from tests.support import sqlite_copy

STALE, LIVE = Phone("+919876543210"), Phone("+919876543211")


async def test_prune_deletes_expired_tokens_and_stale_challenges_only(
    tmp_path: Path, sqlite_template: Path,
) -> None:
    url = sqlite_copy(sqlite_template, tmp_path)
    now = datetime.now(UTC)
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(engine) as work:
            await work.users.add(User("u-1", STALE, False, now - timedelta(days=60)))
            for name, expires in [("expired", now - timedelta(days=1)),
                                  ("live", now + timedelta(days=29))]:
                await work.refresh_tokens.add(RefreshToken(
                    name, "fam-1", "u-1", expires - timedelta(days=30), expires))
            for phone, issued in [(STALE, now - timedelta(hours=2)), (LIVE, now)]:
                await work.otp_challenges.save(issue_challenge(
                    phone, "123456", OtpChannel.SMS, issued, b"k" * 32, None,
                    counts_against_quota=True))
            await work.commit()

        result = run(tmp_path, url, "auth", "prune")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == \
            "deleted 1 expired refresh tokens and 1 stale OTP challenges"
        async with SqlUnitOfWork(engine) as work:
            assert await work.refresh_tokens.get("expired") is None
            assert await work.refresh_tokens.get("live") is not None
            assert await work.otp_challenges.get(STALE) is None
            assert await work.otp_challenges.get(LIVE) is not None
        again = run(tmp_path, url, "auth", "prune")
        assert again.stdout.strip() == \
            "deleted 0 expired refresh tokens and 0 stale OTP challenges"
    finally:
        await engine.dispose()
