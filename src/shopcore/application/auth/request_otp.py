"""RequestOtp: send a fresh code to a phone, within cooldown and quotas."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from shopcore.application.audit import security_event
from shopcore.application.ports import (
    Clock,
    OtpGateway,
    PhoneNumberParser,
    RateLimiter,
    UnitOfWorkFactory,
)
from shopcore.domain.errors import RateLimited
from shopcore.domain.otp import (
    CODE_LIFETIME,
    QUOTA_WINDOW,
    RESEND_COOLDOWN,
    OtpChallenge,
    OtpChannel,
    issue_challenge,
    new_otp_code,
)
from shopcore.domain.phone import Phone


@dataclass(frozen=True, slots=True)
class RequestOtpCommand:
    """A request for a login code."""

    phone: str
    channel: OtpChannel = OtpChannel.VOICE
    client_ip: str = "unknown"


@dataclass(frozen=True, slots=True)
class OtpRequested:
    """The same answer whether or not the number has an account."""

    phone: Phone
    expires_in: int = int(CODE_LIFETIME.total_seconds())
    resend_after: int = int(RESEND_COOLDOWN.total_seconds())


@dataclass(frozen=True, slots=True)
class OtpPolicy:
    """The tunable OTP limits and the test numbers with fixed codes."""

    pepper: bytes
    per_phone_hourly: int = 5
    per_ip_hourly: int = 50
    test_codes: Mapping[str, str] | None = None
    verify_failures_per_ip: int = 20

    def test_code_for(self, phone: Phone) -> str | None:
        """The fixed code of a test number, or ``None``."""
        return (self.test_codes or {}).get(phone.e164)


def new_event_name() -> str:
    """A name for a rate-limited event that ``RateLimiter.undo`` can take back."""
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class _IpHit:
    """The request's event in its client IP's quota, to take back if nothing is sent."""

    key: str
    window: int
    event: str


class RequestOtp:
    """Issue a new code for a phone and have it delivered.

    The new challenge is stored (and the cooldown started) before delivery, so two
    concurrent requests cannot both send; if delivery fails, the previous
    challenge is put back and nothing counts as sent.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        phones: PhoneNumberParser,
        gateway: OtpGateway,
        limiter: RateLimiter,
        clock: Clock,
        policy: OtpPolicy,
    ) -> None:
        self._uow = uow
        self._phones = phones
        self._gateway = gateway
        self._limiter = limiter
        self._clock = clock
        self._policy = policy

    async def __call__(self, cmd: RequestOtpCommand) -> OtpRequested:
        phone = self._phones.parse(cmd.phone)
        test_code = self._policy.test_code_for(phone)
        code = test_code or new_otp_code()
        delivered = test_code is None
        ip_hit = _IpHit(f"otp:ip:{cmd.client_ip}", int(QUOTA_WINDOW.total_seconds()),
                        new_event_name())

        async with self._uow() as uow:
            previous = await uow.otp_challenges.get_for_update(phone)
            now = self._clock.now()
            if previous is not None:
                previous.ensure_resend_allowed(now)
                if delivered:
                    previous.ensure_quota_left(now, self._policy.per_phone_hourly)
            if delivered:
                retry_after = await self._limiter.hit(ip_hit.key, self._policy.per_ip_hourly,
                                                      ip_hit.window, ip_hit.event)
                if retry_after is not None:
                    raise RateLimited("Too many codes from this network; try again later.",
                                      retry_after)
            challenge = issue_challenge(
                phone, code, cmd.channel, now, self._policy.pepper, previous,
                counts_against_quota=delivered,
            )
            try:
                await uow.otp_challenges.save(challenge)
                await uow.commit()
            except BaseException:
                # Nothing was sent: a database blip must not use up the quota of an
                # address that many users share.
                if delivered:
                    await self._limiter.undo(ip_hit.key, ip_hit.window, ip_hit.event)
                raise

        if delivered:
            await self._deliver(challenge, code, previous, ip_hit)
        security_event("otp.requested", phone=phone.masked(), channel=cmd.channel.value,
                       test_number=not delivered, client_ip=cmd.client_ip)
        return OtpRequested(phone=phone)

    async def _deliver(
        self,
        challenge: OtpChallenge,
        code: str,
        previous: OtpChallenge | None,
        ip_hit: _IpHit,
    ) -> None:
        try:
            await self._gateway.deliver(challenge.phone, code, challenge.channel)
        except BaseException:
            security_event("otp.delivery_failed", level=logging.WARNING,
                           phone=challenge.phone.masked(), channel=challenge.channel.value)
            await self._restore(challenge, previous)
            await self._limiter.undo(ip_hit.key, ip_hit.window, ip_hit.event)
            raise

    async def _restore(self, sent: OtpChallenge, previous: OtpChallenge | None) -> None:
        async with self._uow() as uow:
            current = await uow.otp_challenges.get_for_update(sent.phone)
            if current != sent:
                return  # a newer request has replaced it meanwhile
            if previous is None:
                await uow.otp_challenges.delete(sent.phone)
            else:
                await uow.otp_challenges.save(previous)
            await uow.commit()
