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

    def __init__(self, attempts_left: int) -> None:
        super().__init__("The code is not correct.")
        self.attempts_left = attempts_left


class NoOtpPending(OtpInvalid):
    """No code is waiting for this phone: none was requested, or it already logged in.

    Answered like a wrong code, with no attempts left: no code will work until a new one
    is requested.
    """

    def __init__(self) -> None:
        OtpRejected.__init__(self, "No code is waiting for this number; request a new one.")
        self.attempts_left = 0


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
    """The code of one phone, plus that phone's hourly delivery count.

    A new code replaces the previous one; the quota window carries over. A code that
    logged in is kept as *used* (:meth:`after_use`): it no longer works, but its quota
    window still counts the phone's deliveries.
    """

    phone: Phone
    code_hash: str
    channel: OtpChannel
    issued_at: datetime
    failed_attempts: int = 0
    quota_window_start: datetime | None = None
    sent_in_window: int = 0
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
        """Raise ``RateLimited`` inside the resend cooldown (none after a login)."""
        if self.used:
            return
        wait = self.issued_at + RESEND_COOLDOWN - now
        if wait > timedelta(0):
            raise RateLimited("A code was sent moments ago; wait before asking again.",
                              _ceil_seconds(wait))

    def ensure_quota_left(self, now: datetime, hourly_limit: int) -> None:
        """Raise ``RateLimited`` once the phone's hourly deliveries are used up."""
        if self.quota_window_start is None:
            return
        window_end = self.quota_window_start + QUOTA_WINDOW
        if now < window_end and self.sent_in_window >= hourly_limit:
            raise RateLimited("Too many codes for this number; try again later.",
                              _ceil_seconds(window_end - now))

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
        """The challenge once its code has logged in: the code stops working, the quota
        window stays."""
        return replace(self, used_at=now)


def stale_challenge_cutoffs(now: datetime) -> tuple[datetime, datetime]:
    """A challenge issued before the first moment (its code has expired and its resend
    cooldown is over) whose phone's quota window, if any, started before the second (the
    window has closed) holds nothing of use: forgetting it changes no answer."""
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
    """A fresh challenge for ``code`` that replaces ``previous``."""
    window_start, sent = None, 0
    if (previous is not None and previous.quota_window_start is not None
            and now < previous.quota_window_start + QUOTA_WINDOW):
        window_start, sent = previous.quota_window_start, previous.sent_in_window
    if counts_against_quota:
        window_start = window_start or now
        sent += 1
    return OtpChallenge(
        phone=phone,
        code_hash=hash_otp_code(phone, code, pepper),
        channel=channel,
        issued_at=now,
        quota_window_start=window_start,
        sent_in_window=sent,
    )


def _ceil_seconds(delta: timedelta) -> int:
    whole = int(delta.total_seconds())
    return whole + (1 if delta.total_seconds() > whole else 0)
