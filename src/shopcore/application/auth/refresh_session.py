"""RefreshSession: rotate a refresh token, revoking its family on reuse."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from shopcore.application.audit import security_event
from shopcore.application.auth.sessions import SessionTokens, issue_session
from shopcore.application.ports import Clock, RevokedLogins, TokenSigner, UnitOfWorkFactory
from shopcore.domain.errors import Unauthenticated
from shopcore.domain.users import hash_refresh_secret


@dataclass(frozen=True, slots=True)
class RefreshSessionCommand:
    """The refresh token the client holds."""

    refresh_token: str


class RefreshSession:
    """Exchange a refresh token for a new pair; a used token kills the whole login: its
    refresh tokens, and (with ``revoked_logins``) its access tokens."""

    def __init__(self, uow: UnitOfWorkFactory, signer: TokenSigner, clock: Clock,
                 revoked_logins: RevokedLogins | None = None) -> None:
        self._uow = uow
        self._signer = signer
        self._clock = clock
        self._revoked_logins = revoked_logins

    async def __call__(self, cmd: RefreshSessionCommand) -> SessionTokens:
        token_hash = hash_refresh_secret(cmd.refresh_token)
        async with self._uow() as uow:
            # Its login held: a concurrent refresh or logout of it waits for this one.
            token = await uow.refresh_tokens.get_for_update(token_hash)
            now = self._clock.now()
            if token is None or token.revoked or now >= token.expires_at:
                raise Unauthenticated("The refresh token is not valid.")
            if token.used or not await uow.refresh_tokens.mark_used(token_hash):
                await uow.refresh_tokens.revoke_family(token.family_id)
                await uow.commit()
                if self._revoked_logins is not None:
                    self._revoked_logins.revoke(token.family_id)
                security_event("session.reuse_detected", level=logging.WARNING,
                               user_id=token.user_id, family=token.family_id)
                raise Unauthenticated("The refresh token was already used; log in again.")
            user = await uow.users.get(token.user_id)
            if user is None:
                raise Unauthenticated("The refresh token is not valid.")
            session = await issue_session(uow, self._signer, user, token.family_id, now)
            await uow.commit()
        return session
