"""Logout: end a login by revoking its refresh-token family."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.audit import security_event
from shopcore.application.ports import UnitOfWorkFactory
from shopcore.domain.users import hash_refresh_secret


@dataclass(frozen=True, slots=True)
class LogoutCommand:
    """The refresh token of the login to end."""

    refresh_token: str


class Logout:
    """Revoke every refresh token of the login; unknown tokens are ignored (idempotent)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: LogoutCommand) -> None:
        async with self._uow() as uow:
            token = await uow.refresh_tokens.get(hash_refresh_secret(cmd.refresh_token))
            if token is None:
                return
            await uow.refresh_tokens.revoke_family(token.family_id)
            await uow.commit()
        security_event("session.logged_out", user_id=token.user_id, family=token.family_id)
