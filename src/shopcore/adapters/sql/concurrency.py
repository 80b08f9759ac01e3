"""Recognising the driver errors that mean "this transaction lost a race" or "this
statement refused to write"."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def lost_a_race(error: BaseException | None) -> bool:
    """True for a deadlock or serialization failure: the database aborted the
    transaction to let a concurrent one finish, and running it again is safe."""
    return isinstance(error, DBAPIError) and _sqlstate(error) in RETRYABLE_SQLSTATES


REFUSED_SQLSTATE = "SC001"
"""Raised by ``refuse_statement`` (migration 0014): the statement wrote nothing."""


def was_refused(error: BaseException) -> bool:
    """True when a statement called ``refuse_statement``: all it did was undone."""
    return isinstance(error, DBAPIError) and _sqlstate(error) == REFUSED_SQLSTATE


def _sqlstate(error: DBAPIError) -> str | None:
    original = error.orig
    state: str | None = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state
