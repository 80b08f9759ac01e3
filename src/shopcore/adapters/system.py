"""The real clock and id generator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid4Ids:
    """Random UUID4 strings: opaque and unguessable."""

    def new_id(self) -> str:
        return str(uuid.uuid4())
