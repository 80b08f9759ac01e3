"""Logout: end a login by revoking its refresh-token family and its access tokens."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.audit import security_event
from shopcore.application.ports import RevokedLogins, UnitOfWorkFactory
from shopcore.domain.users import hash_refresh_secret


@dataclass(frozen=True, slots=True)
class LogoutCommand:
    """The refresh token of the login to end."""

    refresh_token: str


class Logout:
    """Revoke every refresh token of the login, and (with ``revoked_logins``) its access
    tokens; unknown tokens are ignored (idempotent)."""

    def __init__(self, uow: UnitOfWorkFactory,
                 revoked_logins: RevokedLogins | None = None) -> None:
        self._uow = uow
        self._revoked_logins = revoked_logins

    async def __call__(self, cmd: LogoutCommand) -> None:
        async with self._uow() as uow:
            # Its login held: a refresh of it in progress commits the token it issues
            # first, and the revocation covers it.
            token = await uow.refresh_tokens.get_for_update(
                hash_refresh_secret(cmd.refresh_token))
            if token is None:
                return
            await uow.refresh_tokens.revoke_family(token.family_id)
            await uow.commit()
        if self._revoked_logins is not None:
            self._revoked_logins.revoke(token.family_id)
        security_event("session.logged_out", user_id=token.user_id, family=token.family_id)
