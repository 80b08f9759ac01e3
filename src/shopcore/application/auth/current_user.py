"""GetCurrentUser and PromoteToAdmin: read and manage user accounts."""

from __future__ import annotations

from shopcore.application.audit import security_event
from shopcore.application.ports import Clock, IdGenerator, PhoneNumberParser, UnitOfWorkFactory
from shopcore.domain.errors import Unauthenticated
from shopcore.domain.users import User


class GetCurrentUser:
    """The user behind a verified access token."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: str) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise Unauthenticated("The account no longer exists.")
        return user


class PromoteToAdmin:
    """Make the owner of a phone an admin, creating the user if needed."""

    def __init__(
        self, uow: UnitOfWorkFactory, phones: PhoneNumberParser, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._phones = phones
        self._clock = clock
        self._ids = ids

    async def __call__(self, raw_phone: str) -> User:
        phone = self._phones.parse(raw_phone)
        async with self._uow() as uow:
            user = await uow.users.get_by_phone(phone)
            if user is None:
                user = User(self._ids.new_id(), phone, True, self._clock.now())
                await uow.users.add(user)
            elif not user.is_admin:
                user = user.promoted()
                await uow.users.set_admin(user.id, True)
            await uow.commit()
        security_event("admin.promoted", user_id=user.id, phone=phone.masked())
        return user
