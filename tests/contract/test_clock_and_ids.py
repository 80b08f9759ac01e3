"""The Clock and IdGenerator contracts, on the shipped fakes (ManualClock,
SequentialIds) and the real ones (SystemClock, Uuid4Ids)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from shopcore.adapters.memory.basics import ManualClock, SequentialIds
from shopcore.adapters.system import SystemClock, Uuid4Ids
from shopcore.application.ports import Clock, IdGenerator

ID_COLUMN_LENGTH = 36  # users.id, orders.id, payments.id, ...


@pytest.mark.parametrize("clock", [ManualClock(), SystemClock()], ids=["manual", "system"])
def test_the_time_is_aware_utc_and_never_goes_back(clock: Clock) -> None:
    first, second = clock.now(), clock.now()
    assert first.tzinfo is not None and first.utcoffset() == timedelta(0)
    assert first.astimezone(UTC) == first and second >= first


def test_the_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock()
    start = clock.now()
    assert clock.now() == start
    clock.advance(minutes=5)
    assert clock.now() - start == timedelta(minutes=5)


@pytest.mark.parametrize("ids", [SequentialIds(), Uuid4Ids()], ids=["sequential", "uuid4"])
def test_ids_are_new_every_time_and_fit_the_id_columns(ids: IdGenerator) -> None:
    made = [ids.new_id() for _ in range(1000)]
    assert len(set(made)) == len(made)
    assert all(isinstance(i, str) and 0 < len(i) <= ID_COLUMN_LENGTH and i.isascii()
               and i.isprintable() for i in made)
