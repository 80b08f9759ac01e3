"""``OnConflictInsert`` on SQLite and PostgreSQL: compiled once per dialect, the values
converted as the engine's ``execute`` converts them, and the row count exact (1 inserted,
0 conflict)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from shopcore.adapters.sql.tables import otp_challenges, payment_events, users
from shopcore.adapters.sql.upsert import OnConflictInsert

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def an_event(event_id: str, outcome: str) -> dict[str, Any]:
    return {"event_id": event_id, "provider": "razorpay", "name": "payment.captured",
            "payment_id": None, "outcome": outcome, "received_at": NOW}


def a_challenge(code_hash: str, issued_at: datetime) -> dict[str, Any]:
    return {"phone": "+919876543210", "code_hash": code_hash, "channel": "sms",
            "issued_at": issued_at, "failed_attempts": 0, "quota_window_start": None,
            "sent_in_window": 1, "used_at": None, "recent_sends": ""}


def count_compilations(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every statement ``engine``'s dialect compiles from now on."""
    dialect = engine.dialect
    compiled: list[str] = []

    class Counting(dialect.statement_compiler):  # type: ignore[name-defined,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            compiled.append(self.string)

    monkeypatch.setattr(dialect, "statement_compiler", Counting)
    return compiled


def test_the_dialects_on_conflict_inserts_have_no_cache_key() -> None:
    # Why OnConflictInsert exists: SQLAlchemy would compile these on every execution.
    for dialect in (postgresql, sqlite):
        statement = dialect.insert(payment_events).values(an_event("e", "handled"))
        assert statement.on_conflict_do_nothing()._generate_cache_key() is None


async def test_a_conflicting_insert_writes_nothing_and_counts_zero_rows(
    engine: AsyncEngine,
) -> None:
    record = OnConflictInsert(payment_events, conflict=["event_id"])
    async with engine.begin() as connection:
        first = await record.execute(connection, an_event("evt_1", "handled"))
        again = await record.execute(connection, an_event("evt_1", "ignored"))
        other = await record.execute(connection, an_event("evt_2", "ignored"))
        rows = (await connection.execute(
            select(payment_events.c.event_id, payment_events.c.outcome,
                   payment_events.c.received_at).order_by(payment_events.c.event_id))).all()
    assert (first, again, other) == (1, 0, 1)
    assert [tuple(row) for row in rows] == [("evt_1", "handled", NOW), ("evt_2", "ignored", NOW)]


async def test_a_conflicting_insert_updates_the_named_columns(engine: AsyncEngine) -> None:
    save = OnConflictInsert(otp_challenges, conflict=["phone"],
                            update=["code_hash", "issued_at"])
    later = NOW + timedelta(minutes=5)
    async with engine.begin() as connection:
        first = await save.execute(connection, a_challenge("first", NOW))
        second = await save.execute(
            connection, {**a_challenge("second", later), "sent_in_window": 9})
        row = (await connection.execute(select(otp_challenges))).one()
    assert (first, second) == (1, 1)
    assert (row.code_hash, row.issued_at, row.sent_in_window) == ("second", later, 1)


async def test_the_statement_is_compiled_once_per_dialect(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch,
) -> None:
    record = OnConflictInsert(payment_events, conflict=["event_id"])
    compiled = count_compilations(engine, monkeypatch)
    async with engine.begin() as connection:
        for number in range(3):
            await record.execute(connection, an_event(f"evt_{number}", "handled"))
    assert len(compiled) == 1
    assert compiled[0].startswith("INSERT INTO payment_events")
    assert "ON CONFLICT (event_id) DO NOTHING" in compiled[0]


async def test_a_missing_value_is_refused(engine: AsyncEngine) -> None:
    record = OnConflictInsert(payment_events, conflict=["event_id"])
    values = an_event("evt_1", "handled")
    del values["outcome"]
    async with engine.begin() as connection:
        with pytest.raises(KeyError, match="outcome"):
            await record.execute(connection, values)


async def test_a_column_with_a_python_default_must_be_given(engine: AsyncEngine) -> None:
    add_user = OnConflictInsert(users, conflict=["id"], columns=["id", "phone", "created_at"])
    async with engine.begin() as connection:
        with pytest.raises(ValueError, match="users"):
            await add_user.execute(
                connection, {"id": "u1", "phone": "+919876543210", "created_at": NOW})
