"""In-memory clock, ids, rate limiter and OTP gateway."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shopcore.domain.otp import OtpChannel, OtpDeliveryFailed
from shopcore.domain.phone import Phone


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        """Move forward, e.g. ``advance(minutes=5)``."""
        self._now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (timezone-aware)."""
        self._now = moment


class SequentialIds:
    """Predictable ids (``id-000001``, ...), for readable tests."""

    def __init__(self, prefix: str = "id-") -> None:
        self._prefix = prefix
        self._next = 0

    def new_id(self) -> str:
        self._next += 1
        return f"{self._prefix}{self._next:012d}"


class MemoryRateLimiter:
    """Fixed-window counters in process memory (one process only)."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._hits: dict[tuple[str, int], int] = {}
        self._lock = asyncio.Lock()

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        async with self._lock:
            now = self._now()
            window = int(now // window_seconds)
            self._forget_before(window, window_seconds)
            count = self._hits.get((key, window), 0)
            if count >= limit:
                return max(1, math.ceil((window + 1) * window_seconds - now))
            self._hits[(key, window)] = count + 1
            return None

    async def undo(self, key: str, window_seconds: int) -> None:
        async with self._lock:
            slot = (key, int(self._now() // window_seconds))
            if self._hits.get(slot, 0) > 0:
                self._hits[slot] -= 1

    def _forget_before(self, window: int, window_seconds: int) -> None:
        if len(self._hits) > 10_000:
            self._hits = {k: v for k, v in self._hits.items() if k[1] >= window}


@dataclass(frozen=True, slots=True)
class SentOtp:
    """One delivery the fake gateway was asked to make."""

    phone: Phone
    code: str
    channel: OtpChannel


class RecordingOtpGateway:
    """Records every code it is asked to deliver; can be told to fail."""

    def __init__(self) -> None:
        self.sent: list[SentOtp] = []
        self.failing = False

    async def deliver(self, phone: Phone, code: str, channel: OtpChannel) -> None:
        if self.failing:
            raise OtpDeliveryFailed()
        self.sent.append(SentOtp(phone, code, channel))

    def last_code(self, phone: Phone | str) -> str:
        """The code most recently sent to ``phone``."""
        e164 = phone if isinstance(phone, str) else phone.e164
        for sent in reversed(self.sent):
            if sent.phone.e164 == e164:
                return sent.code
        raise LookupError(f"no code was sent to {e164}")
