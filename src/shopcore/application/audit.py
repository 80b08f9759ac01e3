"""Security events (logins, lockouts, admin actions) as structured log records.

Never pass a code, a token or a key here: phones are masked by the caller.
"""

from __future__ import annotations

import logging

_log = logging.getLogger("shopcore.security")


def security_event(event: str, *, level: int = logging.INFO, **fields: object) -> None:
    """Record ``event`` (e.g. ``"login.failed"``) with its fields."""
    _log.log(level, event, extra={"event": event, "fields": fields})
