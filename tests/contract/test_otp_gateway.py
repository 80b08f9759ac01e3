"""One OtpGateway contract, run against the shipped RecordingOtpGateway, the
ConsoleOtpGateway of development and TwoFactorOtpGateway (a MockTransport standing in
for 2Factor.in): delivery answers nothing, or raises ``OtpDeliveryFailed`` and only that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from shopcore.adapters.memory.basics import RecordingOtpGateway
from shopcore.adapters.otp.console import ConsoleOtpGateway
from shopcore.adapters.otp.two_factor import TwoFactorOtpGateway
from shopcore.application.ports import OtpGateway
from shopcore.domain.otp import OtpChannel, OtpDeliveryFailed
from shopcore.domain.phone import Phone

PHONE = Phone("+919876543210")
CODE = "042917"


@dataclass
class Gateway:
    """A gateway under test; ``break_it`` makes its deliveries fail (None: cannot fail)."""

    gateway: OtpGateway
    break_it: Callable[[], None] | None


@pytest.fixture(params=["recording", "console", "two_factor"])
async def otp_gateway(request: pytest.FixtureRequest) -> AsyncIterator[Gateway]:
    async for gateway in make_gateway(request.param):
        yield gateway


@pytest.fixture(params=["recording", "two_factor"])
async def breakable_otp_gateway(request: pytest.FixtureRequest) -> AsyncIterator[Gateway]:
    """The gateways that can fail (the console one only writes a log line)."""
    async for gateway in make_gateway(request.param):
        yield gateway


async def make_gateway(kind: str) -> AsyncIterator[Gateway]:
    if kind == "recording":
        recording = RecordingOtpGateway()

        def fail_recording() -> None:
            recording.failing = True

        yield Gateway(recording, fail_recording)
        return
    if kind == "console":
        yield Gateway(ConsoleOtpGateway(), None)
        return
    answer = {"status": 200, "json": {"Status": "Success", "Details": "session-1"}}

    def provider(_: httpx.Request) -> httpx.Response:
        return httpx.Response(answer["status"], json=answer["json"])  # type: ignore[arg-type]

    def fail_provider() -> None:
        answer.update(status=500, json={"Status": "Error", "Details": "down"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
        yield Gateway(TwoFactorOtpGateway(client, "an-api-key", sms_template="LOGIN"),
                      fail_provider)


@pytest.mark.parametrize("channel", list(OtpChannel))
async def test_a_delivery_on_either_channel_answers_nothing(
        otp_gateway: Gateway, channel: OtpChannel) -> None:
    assert await otp_gateway.gateway.deliver(PHONE, CODE, channel) is None


async def test_a_failed_delivery_is_otp_delivery_failed(
        breakable_otp_gateway: Gateway) -> None:
    assert breakable_otp_gateway.break_it is not None
    breakable_otp_gateway.break_it()
    with pytest.raises(OtpDeliveryFailed) as raised:
        await breakable_otp_gateway.gateway.deliver(PHONE, CODE, OtpChannel.SMS)
    assert CODE not in str(raised.value) and "an-api-key" not in str(raised.value)
