"""The repository contract runs against the shipped fakes and both SQL engines."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shopcore.adapters.memory.unit_of_work import MemoryDatabase
from shopcore.adapters.sql.unit_of_work import SqlUnitOfWork
from shopcore.application.ports import UnitOfWorkFactory
from tests.support import empty_engine, sqlite_copy


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def uow(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    """A unit-of-work factory on an empty store of each kind."""
    if request.param == "memory":
        yield MemoryDatabase().unit_of_work
        return
    if request.param == "sqlite":
        url = sqlite_copy(request.getfixturevalue("sqlite_template"),
                          request.getfixturevalue("tmp_path"))
    else:
        url = request.getfixturevalue("postgres_url")
    engine = await empty_engine(url)
    yield lambda: SqlUnitOfWork(engine)
    await engine.dispose()
