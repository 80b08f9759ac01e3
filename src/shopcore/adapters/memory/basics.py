"""In-memory clock, ids, rate limiter and OTP gateway."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
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
    """Sliding-window limits in process memory (one process only): at most ``limit``
    counted events of a key in any interval of ``window_seconds``.

    Each key (with its window length) keeps the times and names of its counted events,
    oldest first: at most ``limit`` of them, since refused hits are not counted. Whenever the
    keys held reach ``SWEEP_AT``, or twice as many as the last sweep kept, the keys whose
    latest event has left its window are forgotten, so memory follows the keys in use
    at a cost of O(1) per hit on average. ``now`` (seconds) is injectable for tests.
    """

    SWEEP_AT = 10_000

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._events: dict[tuple[str, int], deque[tuple[float, str]]] = {}
        self._sweep_at = self.SWEEP_AT
        self._lock = asyncio.Lock()

    @property
    def remembered_keys(self) -> int:
        """How many keys are held in memory (counted events in or past their window)."""
        return len(self._events)

    async def hit(self, key: str, limit: int, window_seconds: int, event: str = "") -> int | None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be positive")
        async with self._lock:
            now = self._now()
            if len(self._events) >= self._sweep_at:
                self._forget_idle_keys(now)
            events = self._events.setdefault((key, window_seconds), deque())
            while events and events[0][0] <= now - window_seconds:
                events.popleft()
            if len(events) >= limit:
                # One fits again once the events up to this one have left the window.
                return _seconds_to_wait(events[-limit][0] + window_seconds - now,
                                        window_seconds)
            events.append((now, event))
            return None

    async def undo(self, key: str, window_seconds: int, event: str) -> None:
        """Take back the counted event ``event`` of ``key`` (not counted: nothing happens)."""
        if not event:
            raise ValueError("only a named event can be taken back")
        async with self._lock:
            slot = (key, window_seconds)
            events = self._events.get(slot)
            if events is None:
                return
            for counted in reversed(events):
                if counted[1] == event:
                    events.remove(counted)
                    break
            if not events:
                del self._events[slot]

    def _forget_idle_keys(self, now: float) -> None:
        self._events = {slot: events for slot, events in self._events.items()
                        if events and events[-1][0] > now - slot[1]}
        self._sweep_at = max(self.SWEEP_AT, 2 * len(self._events))


def _seconds_to_wait(seconds: float, window_seconds: int) -> int:
    """Whole seconds, rounded up, at least 1 and at most the window."""
    return min(window_seconds, max(1, math.ceil(seconds)))


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
