"""Recognising the driver errors that mean "this transaction lost a race"."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

# PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def lost_a_race(error: BaseException | None) -> bool:
    """True for a deadlock or serialization failure: the database aborted the
    transaction to let a concurrent one finish, and running it again is safe."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state in RETRYABLE_SQLSTATES
