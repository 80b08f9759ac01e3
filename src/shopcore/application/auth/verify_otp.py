"""VerifyOtp: check a code and open a session, creating the user on first login."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from shopcore.application.audit import security_event
from shopcore.application.auth.request_otp import OtpPolicy, new_event_name
from shopcore.application.auth.sessions import SessionTokens, issue_session
from shopcore.application.ports import (
    Clock,
    IdGenerator,
    PhoneNumberParser,
    RateLimiter,
    TokenSigner,
    UnitOfWorkFactory,
)
from shopcore.domain.errors import RateLimited
from shopcore.domain.otp import (
    NoOtpPending,
    OtpExpired,
    OtpInvalid,
    OtpLocked,
    OtpRejected,
)
from shopcore.domain.phone import Phone
from shopcore.domain.users import User

FAILURE_WINDOW = timedelta(minutes=10)
"""Failed verifications from one client IP are counted over this window."""

_HOLD_WAIT_S = 0.01
_HOLD_TRIES = 200
"""How long a verification waits, at most, for the codes of its IP still being checked
(~2 s): they are decided within milliseconds."""


@dataclass(frozen=True, slots=True)
class _FailureKeys:
    """The rate-limit keys of one client IP: its failures plus the codes being checked
    (``held``), and its failures alone (``failed``); ``hold`` names this verification's
    event under ``held``."""

    client_ip: str
    window: int = int(FAILURE_WINDOW.total_seconds())
    hold: str = field(default_factory=new_event_name)

    @property
    def held(self) -> str:
        return f"otp-verify:ip:{self.client_ip}"

    @property
    def failed(self) -> str:
        return f"otp-verify-failed:ip:{self.client_ip}"


@dataclass(frozen=True, slots=True)
class VerifyOtpCommand:
    """A phone and the code the user typed."""

    phone: str
    otp: str
    client_ip: str = "unknown"


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """A new session; ``is_new`` tells whether the user was just created."""

    session: SessionTokens
    is_new: bool


class VerifyOtp:
    """Verify a code once; wrong codes count towards the lock.

    Verifications of one phone take turns (the challenge is read for update), so
    concurrent wrong codes are each counted and a code logs in once. Beyond each
    challenge's own lock, failed verifications (a wrong, expired, used or locked code,
    or no code at all) are counted per client IP: past
    ``OtpPolicy.verify_failures_per_ip`` in ``FAILURE_WINDOW`` the IP is answered
    ``RateLimited`` without the code being looked at, so guessing across many phones
    from one network stops too. Each verification holds one of the IP's failures while
    its code is checked and gives it back if the code logs in: concurrent guesses cannot
    overrun the limit, and successful logins are not counted (many users share a
    carrier's address; concurrent ones wait a moment for the others' codes instead of
    being refused). It is not counted per phone: that would let anyone lock a
    victim out of their account.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        phones: PhoneNumberParser,
        signer: TokenSigner,
        clock: Clock,
        ids: IdGenerator,
        policy: OtpPolicy,
        limiter: RateLimiter,
    ) -> None:
        self._uow = uow
        self._phones = phones
        self._signer = signer
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._limiter = limiter

    async def __call__(self, cmd: VerifyOtpCommand) -> LoggedIn:
        phone = self._phones.parse(cmd.phone)
        keys = _FailureKeys(cmd.client_ip)
        await self._hold_a_failure(keys, phone, cmd.client_ip)
        failed = False
        try:
            return await self._verify(phone, cmd.otp)
        except OtpRejected:
            failed = True
            await self._limiter.hit(keys.failed, self._policy.verify_failures_per_ip,
                                    keys.window)
            raise
        finally:
            if not failed:
                await self._limiter.undo(keys.held, keys.window, keys.hold)

    async def _hold_a_failure(self, keys: _FailureKeys, phone: Phone, client_ip: str) -> None:
        """Count one failure of the IP while its code is checked (given back if the code
        logs in); ``RateLimited`` once its failures are used up.

        While the IP's failures are held by codes still being checked rather than spent
        by wrong ones, wait for them to be decided: concurrent logins from one address
        go through, concurrent guesses stop at the limit.
        """
        limit, tries = self._policy.verify_failures_per_ip, 0
        while (retry_after := await self._limiter.hit(keys.held, limit, keys.window,
                                                      keys.hold)) is not None:
            tries += 1
            if tries == _HOLD_TRIES or await self._failures_spent(keys):
                security_event("login.throttled", level=logging.WARNING, phone=phone.masked(),
                               client_ip=client_ip)
                raise RateLimited("Too many wrong codes from this network; try again later.",
                                  retry_after)
            await asyncio.sleep(_HOLD_WAIT_S)

    async def _failures_spent(self, keys: _FailureKeys) -> bool:
        """True when wrong codes alone have used up the IP's failures (counts nothing)."""
        probe = new_event_name()
        if await self._limiter.hit(keys.failed, self._policy.verify_failures_per_ip,
                                   keys.window, probe) is not None:
            return True
        await self._limiter.undo(keys.failed, keys.window, probe)
        return False

    async def _verify(self, phone: Phone, otp: str) -> LoggedIn:
        async with self._uow() as uow:
            challenge = await uow.otp_challenges.get_for_update(phone)
            if challenge is None or challenge.used:
                security_event("login.failed", level=logging.WARNING, phone=phone.masked(),
                               reason="no_challenge")
                raise NoOtpPending()
            now = self._clock.now()
            try:
                challenge.verify(otp, now, self._policy.pepper)
            except (OtpInvalid, OtpLocked) as rejected:
                if not challenge.locked:
                    await uow.otp_challenges.save(challenge.after_failure())
                    await uow.commit()
                _log_rejection(phone.masked(), rejected, was_locked=challenge.locked)
                raise
            except OtpExpired:
                security_event("login.failed", level=logging.WARNING, phone=phone.masked(),
                               reason="otp_expired")
                raise
            await uow.otp_challenges.save(challenge.after_use(now))
            user = await uow.users.get_by_phone(phone)
            is_new = user is None
            if user is None:
                user = User(id=self._ids.new_id(), phone=phone, is_admin=False, created_at=now)
                await uow.users.add(user)
            session = await issue_session(uow, self._signer, user, self._ids.new_id(), now)
            await uow.commit()
        security_event("login.succeeded", user_id=user.id, phone=phone.masked(), new_user=is_new)
        return LoggedIn(session=session, is_new=is_new)


def _log_rejection(masked_phone: str, rejected: OtpRejected, *, was_locked: bool) -> None:
    if isinstance(rejected, OtpLocked) and not was_locked:
        security_event("otp.locked", level=logging.WARNING, phone=masked_phone)
    reason = "otp_locked" if isinstance(rejected, OtpLocked) else "otp_invalid"
    security_event("login.failed", level=logging.WARNING, phone=masked_phone, reason=reason)
