"""AuthenticateAccess: who a bearer is, from their access token."""

from __future__ import annotations

from shopcore.application.ports import AccessClaims, RevokedLogins, TokenSigner
from shopcore.domain.errors import Unauthenticated


class AuthenticateAccess:
    """The claims of a valid access token whose login has not ended: a login ends when
    one of its refresh tokens is presented again (reuse detection) or at logout, and
    its access tokens stop working then, not at their expiry. Raises
    ``Unauthenticated`` or ``TokenExpired``."""

    def __init__(self, signer: TokenSigner, revoked_logins: RevokedLogins) -> None:
        self._signer = signer
        self._revoked_logins = revoked_logins

    def __call__(self, token: str) -> AccessClaims:
        claims = self._signer.verify_access(token)
        if self._revoked_logins.is_revoked(claims.login_id):
            raise Unauthenticated("This login has ended; log in again.")
        return claims
