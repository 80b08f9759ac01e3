"""VerifyOtp: check a code and open a session, creating the user on first login."""

from __future__ import annotations

from dataclasses import dataclass

from shopcore.application.auth.request_otp import OtpPolicy
from shopcore.application.auth.sessions import SessionTokens, issue_session
from shopcore.application.ports import (
    Clock,
    IdGenerator,
    PhoneNumberParser,
    TokenSigner,
    UnitOfWorkFactory,
)
from shopcore.domain.otp import MAX_WRONG_ATTEMPTS, OtpInvalid, OtpLocked
from shopcore.domain.users import User


@dataclass(frozen=True, slots=True)
class VerifyOtpCommand:
    """A phone and the code the user typed."""

    phone: str
    otp: str


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """A new session; ``is_new`` tells whether the user was just created."""

    session: SessionTokens
    is_new: bool


class VerifyOtp:
    """Verify a code once; wrong codes count towards the lock."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        phones: PhoneNumberParser,
        signer: TokenSigner,
        clock: Clock,
        ids: IdGenerator,
        policy: OtpPolicy,
    ) -> None:
        self._uow = uow
        self._phones = phones
        self._signer = signer
        self._clock = clock
        self._ids = ids
        self._policy = policy

    async def __call__(self, cmd: VerifyOtpCommand) -> LoggedIn:
        phone = self._phones.parse(cmd.phone)
        async with self._uow() as uow:
            challenge = await uow.otp_challenges.get(phone)
            if challenge is None:
                raise OtpInvalid(attempts_left=MAX_WRONG_ATTEMPTS)
            now = self._clock.now()
            try:
                challenge.verify(cmd.otp, now, self._policy.pepper)
            except (OtpInvalid, OtpLocked):
                if not challenge.locked:
                    await uow.otp_challenges.save(challenge.after_failure())
                    await uow.commit()
                raise
            await uow.otp_challenges.delete(phone)
            user = await uow.users.get_by_phone(phone)
            is_new = user is None
            if user is None:
                user = User(id=self._ids.new_id(), phone=phone, is_admin=False, created_at=now)
                await uow.users.add(user)
            session = await issue_session(uow, self._signer, user, self._ids.new_id(), now)
            await uow.commit()
        return LoggedIn(session=session, is_new=is_new)
