"""SQLite's write units of work share transactions (group commit): each is a savepoint,
a ``commit()`` returns once the shared transaction has committed, one unit's failure
undoes only its own work, and a failed commit fails every unit it held."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.asyncio.exc import AsyncContextNotStarted

from shopcore.adapters.sql import sqlite_inline, sqlite_writers
from shopcore.adapters.sql.engine import create_engine
from shopcore.adapters.sql.tables import users
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.domain.phone import Phone
from shopcore.domain.users import User
from tests.support import sqlite_copy

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def commits(sqlite_engine: AsyncEngine) -> list[int]:
    """One entry per transaction committed on the engine."""
    seen: list[int] = []
    event.listen(sqlite_engine.sync_engine, "commit", lambda _connection: seen.append(1))
    return seen


def a_user(number: int) -> User:
    return User(f"user-{number}", Phone(f"+9198{number:08d}"), False, NOW)


class HeldTurn:
    """Work that holds its writer's turn open (``inside``) until ``go_on`` is set."""

    def __init__(self) -> None:
        self.held = asyncio.Event()
        self.go_on = asyncio.Event()

    async def hold(self) -> None:
        self.held.set()
        await self.go_on.wait()

    async def taken_by(self, engine: AsyncEngine, number: int) -> asyncio.Task[None]:
        """A writer adding user ``number`` that holds this turn, once it holds it."""
        writer = asyncio.create_task(add_user(engine, number, inside=self.hold))
        await self.held.wait()
        return writer

    async def let_go(self) -> None:
        """Once the writers started meanwhile are in line, let the holder go on."""
        await asyncio.sleep(0.01)
        self.go_on.set()


async def stored_ids(engine: AsyncEngine) -> set[str]:
    """The users' ids, read on a connection of its own (what other readers see)."""
    async with engine.connect() as connection:
        await connection.execution_options(sqlite_begin="DEFERRED")  # not a writer
        return set((await connection.execute(select(users.c.id))).scalars())


async def add_user(engine: AsyncEngine, number: int, *, commit: bool = True,
                   inside: Callable[[], Awaitable[Any]] | None = None) -> None:
    async with SqlUnitOfWork(engine) as work:
        await work.users.add(a_user(number))
        if inside is not None:
            await inside()
        if commit:
            await work.commit()


async def test_writers_in_line_share_one_commit(sqlite_engine: AsyncEngine,
                                               commits: list[int]) -> None:
    turn = HeldTurn()
    first_task = await turn.taken_by(sqlite_engine, 0)
    others = [asyncio.create_task(add_user(sqlite_engine, n)) for n in range(1, 6)]
    await turn.let_go()
    await asyncio.wait_for(asyncio.gather(first_task, *others), timeout=10)

    assert await stored_ids(sqlite_engine) == {f"user-{n}" for n in range(6)}
    assert len(commits) == 1


async def test_a_lone_writer_commits_at_once(sqlite_engine: AsyncEngine,
                                             commits: list[int]) -> None:
    await add_user(sqlite_engine, 1)
    assert len(commits) == 1
    assert await stored_ids(sqlite_engine) == {"user-1"}  # seen as soon as commit() returned
    await add_user(sqlite_engine, 2)
    assert len(commits) == 2


async def test_commit_returns_once_the_shared_transaction_is_durable(
    sqlite_engine: AsyncEngine,
) -> None:
    seen_after_commit: list[set[str]] = []
    opening, second_turn = HeldTurn(), HeldTurn()

    async def first() -> None:
        await add_user(sqlite_engine, 1)
        seen_after_commit.append(await stored_ids(sqlite_engine))

    opener = await opening.taken_by(sqlite_engine, 0)
    first_task = asyncio.create_task(first())
    await asyncio.sleep(0.01)
    second = asyncio.create_task(add_user(sqlite_engine, 2, inside=second_turn.hold))
    await opening.let_go()  # both in line
    await second_turn.held.wait()  # the first has released its savepoint
    await asyncio.sleep(0.01)
    assert not first_task.done()  # its transaction has not committed yet
    assert await stored_ids(sqlite_engine) == set()
    second_turn.go_on.set()
    await asyncio.wait_for(asyncio.gather(opener, first_task, second), timeout=10)
    assert seen_after_commit == [{"user-0", "user-1", "user-2"}]


async def test_a_failing_writer_undoes_only_its_own_work(sqlite_engine: AsyncEngine,
                                                         commits: list[int]) -> None:
    turn = HeldTurn()

    async def failing() -> None:
        async def fail() -> None:
            raise LookupError
        await add_user(sqlite_engine, 2, inside=fail)

    first = await turn.taken_by(sqlite_engine, 1)
    tasks = [asyncio.create_task(failing()),
             asyncio.create_task(add_user(sqlite_engine, 3, commit=False)),
             asyncio.create_task(add_user(sqlite_engine, 4))]
    await turn.let_go()
    outcomes = await asyncio.wait_for(
        asyncio.gather(first, *tasks, return_exceptions=True), timeout=10)

    assert [type(outcome) for outcome in outcomes] == [type(None), LookupError,
                                                       type(None), type(None)]
    assert await stored_ids(sqlite_engine) == {"user-1", "user-4"}
    assert len(commits) == 1


async def test_a_failing_first_writer_rolls_back_alone_and_the_line_goes_on(
    sqlite_engine: AsyncEngine, commits: list[int],
) -> None:
    """The unit of work that began the transaction has no savepoint: its rollback is the
    transaction's, and the writers in line behind it begin another."""
    turn = HeldTurn()

    async def fail_when_told() -> None:
        await turn.hold()
        raise LookupError

    first = asyncio.create_task(add_user(sqlite_engine, 1, inside=fail_when_told))
    await turn.held.wait()
    line = [asyncio.create_task(add_user(sqlite_engine, n)) for n in (2, 3)]
    await turn.let_go()
    outcomes = await asyncio.wait_for(
        asyncio.gather(first, *line, return_exceptions=True), timeout=10)

    assert [type(outcome) for outcome in outcomes] == [LookupError, type(None), type(None)]
    assert await stored_ids(sqlite_engine) == {"user-2", "user-3"}
    assert len(commits) == 1


async def test_the_savepoints_journal_stays_in_memory(sqlite_engine: AsyncEngine) -> None:
    async with sqlite_engine.connect() as connection:
        assert (await connection.exec_driver_sql("PRAGMA temp_store")).scalar() == 2


async def test_a_failed_commit_fails_every_writer_it_held(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    turn = HeldTurn()
    def refuse(_connection: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(sqlite_inline.InlineConnection, "commit", refuse)
    first = await turn.taken_by(sqlite_engine, 1)
    second = asyncio.create_task(add_user(sqlite_engine, 2))
    await turn.let_go()
    outcomes = await asyncio.wait_for(
        asyncio.gather(first, second, return_exceptions=True), timeout=10)
    monkeypatch.undo()

    assert all(isinstance(outcome, DBAPIError) and "disk I/O error" in str(outcome)
               for outcome in outcomes), outcomes
    assert await stored_ids(sqlite_engine) == set()
    await add_user(sqlite_engine, 3)  # the writers go on afterwards
    assert await stored_ids(sqlite_engine) == {"user-3"}


async def test_a_lone_writers_failed_commit_fails_it_and_the_writers_go_on(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(_connection: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(sqlite_inline.InlineConnection, "commit", refuse)
    with pytest.raises(DBAPIError, match="disk I/O error"):
        await add_user(sqlite_engine, 1)
    monkeypatch.undo()
    await asyncio.wait_for(add_user(sqlite_engine, 2), timeout=10)
    assert await stored_ids(sqlite_engine) == {"user-2"}


async def test_a_transaction_sqlite_rolled_back_fails_the_writers_released_into_it(
    sqlite_engine: AsyncEngine,
) -> None:
    turn = HeldTurn()
    first = await turn.taken_by(sqlite_engine, 1)
    rolled_back = asyncio.create_task(_add_then_lose_the_transaction(sqlite_engine))
    await turn.let_go()
    outcomes = await asyncio.wait_for(
        asyncio.gather(first, rolled_back, return_exceptions=True), timeout=10)

    assert isinstance(outcomes[0], sqlite_writers.TransactionLost)
    assert isinstance(outcomes[1], LookupError)
    assert await stored_ids(sqlite_engine) == set()
    await add_user(sqlite_engine, 3)
    assert await stored_ids(sqlite_engine) == {"user-3"}


async def _add_then_lose_the_transaction(engine: AsyncEngine) -> None:
    """What SQLite does on a full disk or an I/O error: it rolls the whole transaction
    back, behind the engine's back."""
    async with SqlUnitOfWork(engine) as work:
        await work.users.add(a_user(2))
        connection = await work.users._connection.get_raw_connection()  # noqa: SLF001
        driver: Any = connection.driver_connection
        driver.execute("ROLLBACK")
        raise LookupError


async def test_a_writer_cancelled_in_line_does_not_stall_the_others(
    sqlite_engine: AsyncEngine,
) -> None:
    turn = HeldTurn()
    first = await turn.taken_by(sqlite_engine, 1)
    cancelled = asyncio.create_task(add_user(sqlite_engine, 2))
    last = asyncio.create_task(add_user(sqlite_engine, 3))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    turn.go_on.set()
    await asyncio.wait_for(asyncio.gather(first, last), timeout=10)
    assert cancelled.cancelled()
    assert await stored_ids(sqlite_engine) == {"user-1", "user-3"}


async def test_a_writer_cancelled_as_its_turn_came_hands_it_on(
    sqlite_engine: AsyncEngine, commits: list[int],
) -> None:
    """The turn was handed to a writer that is cancelled before it ran: the shared
    transaction still commits, and the next writer still gets the turn."""
    async with SqlUnitOfWork(sqlite_engine) as work:
        await work.users.add(a_user(1))
        cancelled = asyncio.create_task(add_user(sqlite_engine, 2))
        await asyncio.sleep(0.01)  # in line
        released = asyncio.create_task(work.commit())
        await asyncio.sleep(0)  # the turn is handed to the second writer...
        cancelled.cancel()  # ...which is cancelled before it runs
        await asyncio.wait_for(released, timeout=10)
    await asyncio.wait_for(add_user(sqlite_engine, 3), timeout=10)
    assert cancelled.cancelled()
    assert await stored_ids(sqlite_engine) == {"user-1", "user-3"}
    assert len(commits) == 2


async def test_a_long_line_commits_in_bounded_groups(sqlite_engine: AsyncEngine,
                                                     commits: list[int]) -> None:
    turn = HeldTurn()
    count = 2 * sqlite_writers.MOST_UNITS_PER_COMMIT + 1
    first = await turn.taken_by(sqlite_engine, 0)
    line = [asyncio.create_task(add_user(sqlite_engine, n)) for n in range(1, count)]
    await turn.let_go()
    await asyncio.wait_for(asyncio.gather(first, *line), timeout=30)

    assert len(await stored_ids(sqlite_engine)) == count
    assert len(commits) == 3


async def test_a_unit_of_work_is_done_after_its_commit(sqlite_engine: AsyncEngine) -> None:
    """Its savepoint is released: a statement after it would run in the next writer's."""
    async with SqlUnitOfWork(sqlite_engine) as work:
        await work.users.add(a_user(1))
        await work.commit()
        with pytest.raises(AsyncContextNotStarted):
            await work.users.add(a_user(2))
    assert await stored_ids(sqlite_engine) == {"user-1"}


async def test_the_writers_do_not_keep_an_engine_alive(sqlite_template: Path,
                                                       tmp_path: Path) -> None:
    engine = create_engine(sqlite_copy(sqlite_template, tmp_path))
    await add_user(engine, 1)
    gone = weakref.ref(engine.sync_engine)
    await engine.dispose()
    del engine
    gc.collect()
    assert gone() is None
