"""Coalesced reads: the keys asked in one turn of the event loop in one statement, each
read answered with its own row, a key asked later never answered by a statement sent
before it, and cancellation and failure confined as a read of its own would be."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pytest

from shopcore.adapters.sql.coalesced_reads import CoalescedReads


class Table:
    """``read_many`` over a dict, recording each statement's keys; a statement sees the
    rows as they were when it was sent (as a statement's snapshot in autocommit) and
    waits for ``release`` when one is given."""

    def __init__(self, rows: dict[int, str], release: asyncio.Event | None = None) -> None:
        self.rows = rows
        self.release = release
        self.statements: list[list[int]] = []
        self.answer_none = False

    async def read_many(self, keys: Sequence[int]) -> Mapping[int, str] | None:
        self.statements.append(list(keys))
        snapshot = dict(self.rows)
        if self.release is not None:
            await self.release.wait()
        if self.answer_none:
            return None
        return {key: snapshot[key] for key in keys if key in snapshot}


async def sent(table: Table, count: int) -> None:
    """Let the event loop run until ``count`` statements have been sent."""
    for _ in range(20):
        if len(table.statements) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{count} statements expected, {table.statements} sent")


async def test_reads_asked_in_one_turn_share_one_statement_and_get_their_own_rows() -> None:
    table = Table({1: "kettle", 2: "teapot", 3: "mug"})
    reads = CoalescedReads(table.read_many)
    answers = await asyncio.gather(*(reads.read(key) for key in (2, 1, 9, 2, 3)))
    assert answers == [["teapot"], ["kettle"], [], ["teapot"], ["mug"]]
    assert table.statements == [[2, 1, 9, 3]]  # one statement, each key once


async def test_reads_in_later_turns_are_sent_without_waiting_for_each_other() -> None:
    release = asyncio.Event()
    table = Table({1: "kettle", 2: "teapot"}, release)
    reads = CoalescedReads(table.read_many)
    first = asyncio.ensure_future(reads.read(1))
    await sent(table, 1)
    second = asyncio.ensure_future(reads.read(2))
    await sent(table, 2)
    assert table.statements == [[1], [2]]  # the second did not wait for the first
    release.set()
    assert await first == ["kettle"]
    assert await second == ["teapot"]


async def test_a_key_asked_while_a_statement_runs_is_read_again_and_sees_a_later_write(
) -> None:
    release = asyncio.Event()
    table = Table({1: "kettle"}, release)
    reads = CoalescedReads(table.read_many)
    before = asyncio.ensure_future(reads.read(1))
    await sent(table, 1)
    assert table.statements == [[1]]  # sent, not answered yet
    table.rows[1] = "teapot"  # a write committed before the next read is asked
    after = asyncio.ensure_future(reads.read(1))
    release.set()
    assert await after == ["teapot"]  # its own statement, not the one already running
    assert table.statements == [[1], [1]]
    assert await before == ["kettle"]


async def test_more_keys_than_a_statement_holds_make_more_statements() -> None:
    table = Table({key: f"product {key}" for key in range(10)})
    reads = CoalescedReads(table.read_many, max_keys=4)
    answers = await asyncio.gather(*(reads.read(key) for key in range(10)))
    assert answers == [[f"product {key}"] for key in range(10)]
    assert table.statements == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_a_statement_that_cannot_answer_leaves_every_read_to_its_caller() -> None:
    table = Table({1: "kettle"})
    table.answer_none = True
    reads = CoalescedReads(table.read_many)
    assert list(await asyncio.gather(reads.read(1), reads.read(2))) == [None, None]


async def test_a_cancelled_read_leaves_the_statement_to_the_others() -> None:
    release = asyncio.Event()
    table = Table({1: "kettle", 2: "teapot"}, release)
    reads = CoalescedReads(table.read_many)
    cancelled = asyncio.ensure_future(reads.read(1))
    kept = asyncio.ensure_future(reads.read(2))
    await sent(table, 1)
    cancelled.cancel()
    await asyncio.sleep(0)
    release.set()
    assert await kept == ["teapot"]
    assert cancelled.cancelled()
    assert table.statements == [[1, 2]]


async def test_a_failing_statement_fails_each_read_in_it_and_not_the_next_ones() -> None:
    rows = {1: "kettle"}
    failing = True

    async def read_many(keys: Sequence[int]) -> Mapping[int, str] | None:
        if failing:
            raise LookupError("broken statement")
        return {key: rows[key] for key in keys if key in rows}

    reads = CoalescedReads(read_many)
    results = await asyncio.gather(reads.read(1), reads.read(2), return_exceptions=True)
    assert [type(result) for result in results] == [LookupError, LookupError]
    failing = False
    assert await reads.read(1) == ["kettle"]


def test_each_event_loop_gets_its_own_statements() -> None:
    table = Table({1: "kettle"})
    reads = CoalescedReads(table.read_many)
    assert asyncio.run(reads.read(1)) == ["kettle"]
    assert asyncio.run(reads.read(1)) == ["kettle"]
    assert table.statements == [[1], [1]]


@pytest.mark.parametrize("max_keys", [1, 2])
async def test_a_full_statement_is_still_sent_at_the_end_of_its_turn(max_keys: int) -> None:
    table = Table({1: "kettle", 2: "teapot"})
    reads = CoalescedReads(table.read_many, max_keys=max_keys)
    assert list(await asyncio.gather(reads.read(1), reads.read(2))) == [["kettle"], ["teapot"]]
    assert len(table.statements) == 2 // max_keys
