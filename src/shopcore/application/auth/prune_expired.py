"""PruneExpiredCredentials: forget the login rows that no request can use any more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from shopcore.application.ports import Clock, UnitOfWorkFactory
from shopcore.domain.otp import stale_challenge_cutoffs

TOKEN_GRACE = timedelta(hours=1)
"""Refresh tokens are deleted this long after they expired: a refresh that read its token
just before the expiry (or on a machine whose clock is behind) never finds it gone,
which it would take for a reuse and revoke the login."""


@dataclass(frozen=True, slots=True)
class PrunedCredentials:
    """How many rows of each kind were deleted."""

    refresh_tokens: int
    otp_challenges: int


class PruneExpiredCredentials:
    """Delete the refresh tokens that expired over an hour ago and the OTP challenges
    whose code has expired and whose phone's last delivery is over an hour old.

    Nothing refused becomes possible: an expired refresh token and an unknown one are
    both refused with the same 401, a phone whose challenge is forgotten had no delivery
    left in the last hour to count against its quota anyway, and the code of a forgotten
    challenge (expired, or locked) answers ``NoOtpPending``: only a new code logs in.
    Run it from a scheduler (``shopcore auth prune``); runs that overlap delete each row
    once.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self) -> PrunedCredentials:
        now = self._clock.now()
        async with self._uow() as uow:
            tokens = await uow.refresh_tokens.delete_expired(now - TOKEN_GRACE)
            challenges = await uow.otp_challenges.delete_stale(*stale_challenge_cutoffs(now))
            await uow.commit()
        return PrunedCredentials(refresh_tokens=tokens, otp_challenges=challenges)
