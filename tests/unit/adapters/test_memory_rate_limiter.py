"""MemoryRateLimiter on a manual clock: the sliding window to the exact moment, and the
memory it keeps (the contract shared with Redis is in tests/contract/test_rate_limiter.py)."""

from __future__ import annotations

import asyncio

from shopcore.adapters.memory.basics import MemoryRateLimiter

HOUR = 3600
START = 1_800_000_000.0  # a whole hour of the epoch: where a fixed window would start


class Now:
    """A clock for the limiter that only moves when told to."""

    def __init__(self, at: float = START) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


async def test_five_an_hour_refuses_a_burst_across_the_hour_at_every_moment() -> None:
    # 5 at 10:59:59, then 11:00:00.5 is refused until 11:59:59, when the first 5 leave.
    now = Now(START + HOUR - 1)
    limiter = MemoryRateLimiter(now=now)
    assert [await limiter.hit("otp", 5, HOUR) for _ in range(5)] == [None] * 5
    now.at = START + HOUR + 0.5
    assert await limiter.hit("otp", 5, HOUR) == HOUR - 1  # 3598.5 s, rounded up
    now.at = START + 2 * HOUR - 1.001
    assert await limiter.hit("otp", 5, HOUR) == 1
    now.at = START + 2 * HOUR - 1  # exactly an hour after the first five
    assert [await limiter.hit("otp", 5, HOUR) for _ in range(6)] == [None] * 5 + [HOUR]


async def test_retry_after_is_when_enough_events_have_left_to_admit_one() -> None:
    now = Now()
    limiter = MemoryRateLimiter(now=now)
    for second in (0, 10, 20):
        now.at = START + second
        assert await limiter.hit("k", 3, 60) is None
    now.at = START + 30
    assert await limiter.hit("k", 3, 60) == 30  # the event of 0 s leaves at 60 s
    now.at = START + 60
    assert await limiter.hit("k", 3, 60) is None
    now.at = START + 61
    assert await limiter.hit("k", 3, 60) == 9  # now the event of 10 s is the oldest
    # a limit lowered to 1: one fits again once all three (10, 20, 60 s) have left
    assert await limiter.hit("k", 1, 60) == 59


async def test_undo_takes_back_the_named_event_so_the_others_keep_their_times() -> None:
    now = Now()
    limiter = MemoryRateLimiter(now=now)
    assert await limiter.hit("k", 3, 60, "first") is None
    now.at = START + 20
    assert await limiter.hit("k", 3, 60, "second") is None
    now.at = START + 40
    assert await limiter.hit("k", 3, 60, "third") is None
    await limiter.undo("k", 60, "second")
    assert await limiter.hit("k", 3, 60) is None
    # full again: the first (0 s) leaves at 60 s, then the third (40 s) and the new one
    assert await limiter.hit("k", 3, 60) == 20
    now.at = START + 50
    await limiter.undo("k", 60, "first")
    assert await limiter.hit("k", 3, 60) is None
    assert await limiter.hit("k", 3, 60) == 50  # the third (40 s) is now the oldest



async def test_keys_whose_events_have_left_their_window_are_forgotten() -> None:
    now = Now()
    limiter = MemoryRateLimiter(now=now)
    assert await limiter.hit("long-ban", 1, HOUR) is None
    largest = 0
    for n in range(3 * MemoryRateLimiter.SWEEP_AT):  # ~100 keys live at any moment
        now.at += 0.01
        assert await limiter.hit(f"client-{n}", 1, 1) is None
        largest = max(largest, limiter.remembered_keys)
    assert largest <= MemoryRateLimiter.SWEEP_AT
    assert limiter.remembered_keys < MemoryRateLimiter.SWEEP_AT // 2
    assert await limiter.hit("long-ban", 1, HOUR) is not None  # still within its hour


async def test_keys_still_in_their_window_are_all_kept_in_memory_proportional_to_them() -> None:
    now = Now()
    limiter = MemoryRateLimiter(now=now)
    live = MemoryRateLimiter.SWEEP_AT + 500
    for n in range(live):
        assert await limiter.hit(f"client-{n}", 1, HOUR) is None
        assert limiter.remembered_keys == n + 1
    refused = await asyncio.gather(*(limiter.hit(f"client-{n}", 1, HOUR) for n in range(live)))
    assert None not in refused  # no key in its window was forgotten
    now.at += HOUR
    assert await limiter.hit("late", 1, HOUR) is None
    for n in range(MemoryRateLimiter.SWEEP_AT + 1):
        await limiter.hit(f"later-{n}", 1, HOUR)
    assert limiter.remembered_keys <= 2 * (MemoryRateLimiter.SWEEP_AT + 2)


async def test_an_undone_key_holds_no_memory() -> None:
    limiter = MemoryRateLimiter(now=Now())
    await limiter.hit("k", 2, 60, "e1")
    await limiter.undo("k", 60, "e1")
    await limiter.undo("never-hit", 60, "e1")
    assert limiter.remembered_keys == 0


async def test_refused_hits_add_nothing_to_remember() -> None:
    now = Now()
    limiter = MemoryRateLimiter(now=now)
    assert await limiter.hit("k", 1, HOUR) is None
    for _ in range(1000):
        now.at += 1
        assert await limiter.hit("k", 1, HOUR) is not None
    now.at = START + HOUR
    assert await limiter.hit("k", 1, HOUR) is None  # an hour after the one counted hit
