"""One-time passwords: the challenge sent to a phone and the rules for verifying it."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shopcore.domain.errors import DomainError, RateLimited
from shopcore.domain.phone import Phone

CODE_LIFETIME = timedelta(minutes=5)
RESEND_COOLDOWN = timedelta(seconds=30)
QUOTA_WINDOW = timedelta(hours=1)
MAX_WRONG_ATTEMPTS = 5


class OtpChannel(enum.StrEnum):
    """How the code reaches the user."""

    VOICE = "voice"
    SMS = "sms"


class OtpRejected(DomainError):
    """A verification attempt that failed; the challenge may have changed."""


class OtpInvalid(OtpRejected):
    """Wrong code (or no code was requested)."""

    def __init__(self, attempts_left: int, message: str = "The code is not correct.") -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class NoOtpPending(OtpInvalid):
    """No code is waiting for this phone: none was requested, or it already logged in.

    Answered like a wrong code, with no attempts left: no code will work until a new one
    is requested.
    """

    def __init__(self) -> None:
        super().__init__(0, "No code is waiting for this number; request a new one.")


class OtpExpired(OtpRejected):
    """The code's lifetime is over."""

    def __init__(self) -> None:
        super().__init__("The code has expired; request a new one.")


class OtpLocked(OtpRejected):
    """Too many wrong codes: the challenge is dead until a new code is requested."""

    def __init__(self) -> None:
        super().__init__("Too many wrong codes; request a new one.")


class OtpDeliveryFailed(DomainError):
    """The provider could not deliver the code."""

    def __init__(self, detail: str = "The code could not be delivered; try again later.") -> None:
        super().__init__(detail)


def new_otp_code() -> str:
    """Six random digits from a CSPRNG."""
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_otp_code(phone: Phone, code: str, pepper: bytes) -> str:
    """A keyed hash binding ``code`` to ``phone``; the code itself is never stored."""
    message = f"{phone.e164}:{code}".encode()
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class OtpChallenge:
    """The code of one phone, plus the times of that phone's recent deliveries.

    ``recent_sends`` are the deliveries of the hour before the code was issued and the
    code's own (unless it was not delivered), oldest first: the quota counts them in any
    hour, not in fixed windows. A new code replaces the previous one and carries its
    recent sends over. A code that logged in is kept as *used* (:meth:`after_use`): it
    no longer works, but its sends still count.
    """

    phone: Phone
    code_hash: str
    channel: OtpChannel
    issued_at: datetime
    failed_attempts: int = 0
    recent_sends: tuple[datetime, ...] = ()
    used_at: datetime | None = None

    @property
    def used(self) -> bool:
        """True once the code has logged in."""
        return self.used_at is not None

    @property
    def expires_at(self) -> datetime:
        """When the code stops working."""
        return self.issued_at + CODE_LIFETIME

    @property
    def locked(self) -> bool:
        """True once the wrong-attempt budget is spent."""
        return self.failed_attempts >= MAX_WRONG_ATTEMPTS

    def ensure_resend_allowed(self, now: datetime) -> None:
        """Raise ``RateLimited`` inside the resend cooldown (after a login too: the phone
        was sent a code moments ago all the same)."""
        wait = self.issued_at + RESEND_COOLDOWN - now
        if wait > timedelta(0):
            raise RateLimited("A code was sent moments ago; wait before asking again.",
                              _ceil_seconds(wait))

    def sends_within_hour(self, now: datetime) -> tuple[datetime, ...]:
        """The remembered deliveries that are less than an hour old at ``now``, oldest
        first."""
        return tuple(sorted(sent for sent in self.recent_sends if now < sent + QUOTA_WINDOW))

    def ensure_quota_left(self, now: datetime, hourly_limit: int) -> None:
        """Raise ``RateLimited`` if ``hourly_limit`` deliveries happened in the hour before
        ``now``; Retry-After is the time until enough of them are an hour old for one more
        to fit."""
        if hourly_limit < 1:
            raise ValueError("hourly_limit must be at least 1")
        sends = self.sends_within_hour(now)
        if len(sends) >= hourly_limit:
            frees_at = sends[len(sends) - hourly_limit] + QUOTA_WINDOW
            raise RateLimited("Too many codes for this number; try again later.",
                              _ceil_seconds(frees_at - now))

    def verify(self, code: str, now: datetime, pepper: bytes) -> OtpChallenge:
        """Check ``code``; return the challenge as it must be stored next.

        Raises ``OtpLocked``, ``OtpExpired`` or ``OtpInvalid`` (with the attempts left);
        the caller stores :meth:`after_failure` before letting those go. A used code is
        refused as if there were none (``NoOtpPending``).
        """
        if self.used:
            raise NoOtpPending()
        if self.locked:
            raise OtpLocked()
        if now >= self.expires_at:
            raise OtpExpired()
        candidate = hash_otp_code(self.phone, code, pepper)
        if not hmac.compare_digest(candidate, self.code_hash):
            failed = self.failed_attempts + 1
            if failed >= MAX_WRONG_ATTEMPTS:
                raise OtpLocked()
            raise OtpInvalid(attempts_left=MAX_WRONG_ATTEMPTS - failed)
        return self

    def after_failure(self) -> OtpChallenge:
        """The challenge with one more wrong attempt counted."""
        return replace(self, failed_attempts=min(self.failed_attempts + 1, MAX_WRONG_ATTEMPTS))

    def after_use(self, now: datetime) -> OtpChallenge:
        """The challenge once its code has logged in: the code stops working, its recent
        sends still count."""
        return replace(self, used_at=now)


def stale_challenge_cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """A challenge issued before the first moment (its code has expired and its resend
    cooldown is over) that remembers no delivery, or that was issued before the second
    moment too, holds nothing of use: forgetting it changes no answer. (Its deliveries
    happened by its issue, so the last of them is then over an hour old.)"""
    return now - max(CODE_LIFETIME, RESEND_COOLDOWN), now - QUOTA_WINDOW


def issue_challenge(
    phone: Phone,
    code: str,
    channel: OtpChannel,
    now: datetime,
    pepper: bytes,
    previous: OtpChallenge | None,
    *,
    counts_against_quota: bool,
) -> OtpChallenge:
    """A fresh challenge for ``code`` that replaces ``previous``.

    It keeps the deliveries of ``previous`` from the last hour (no more than the hourly
    limit they were each checked against) and, if ``counts_against_quota``, its own.
    """
    sends = previous.sends_within_hour(now) if previous is not None else ()
    if counts_against_quota:
        sends = tuple(sorted((*sends, now)))  # in order even if processes' clocks differ
    return OtpChallenge(
        phone=phone,
        code_hash=hash_otp_code(phone, code, pepper),
        channel=channel,
        issued_at=now,
        recent_sends=sends,
    )


def _ceil_seconds(delta: timedelta) -> int:
    whole = int(delta.total_seconds())
    return whole + (1 if delta.total_seconds() > whole else 0)
