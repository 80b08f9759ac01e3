"""Plug in your own OTP gateway: deliver login codes through your own messaging.

Anything with ``async def deliver(phone, code, channel) -> None`` is an
``OtpGateway``; raise ``OtpDeliveryFailed`` when it cannot deliver, and shopcore puts
the previous code back and counts nothing.

    python examples/custom_otp_gateway.py   # writes ./example-shop.db
"""

from __future__ import annotations

import asyncio

import shopcore
from shopcore.application import OtpGateway, RequestOtpCommand, VerifyOtpCommand
from shopcore.domain import OtpChannel, OtpDeliveryFailed, Phone


class OutboxOtpGateway:
    """Puts each code in an outbox that another part of your service delivers."""

    def __init__(self) -> None:
        self.outbox: list[tuple[str, str]] = []
        self.down = False

    async def deliver(self, phone: Phone, code: str, channel: OtpChannel) -> None:
        if self.down:
            raise OtpDeliveryFailed()
        self.outbox.append((phone.e164, code))


async def main(database_url: str = "sqlite+aiosqlite:///example-shop.db") -> None:
    gateway = OutboxOtpGateway()
    checked: OtpGateway = gateway  # it satisfies the port (checked by mypy)
    async with shopcore.bootstrap(database_url=database_url, otp_gateway=checked) as shop:
        await shop.migrate()

        requested = await shop.request_otp(RequestOtpCommand(phone="+91 98765 43210",
                                                             channel=OtpChannel.SMS))
        phone, code = gateway.outbox[-1]
        assert phone == requested.phone.e164 == "+919876543210"

        login = await shop.verify_otp(VerifyOtpCommand(phone=phone, otp=code))
        print(f"logged in {login.session.user.phone.masked()} "
              f"(new account: {login.is_new}), token valid {login.session.expires_in} s")

        gateway.down = True
        try:
            await shop.request_otp(RequestOtpCommand(phone="+91 98123 45678"))
        except OtpDeliveryFailed as error:
            print(f"delivery failed: {error.detail}")


if __name__ == "__main__":
    asyncio.run(main())
