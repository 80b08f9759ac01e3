"""TwoFactorOtpGateway against the 2Factor.in answer shapes of /work/shared/2FACTOR.md.

httpx.MockTransport stands in for the provider (it cannot be reached from here).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from shopcore.adapters.otp.console import ConsoleOtpGateway
from shopcore.adapters.otp.two_factor import (
    TwoFactorOtpGateway,
    build_two_factor_client,
    national_number,
)
from shopcore.domain.otp import OtpChannel, OtpDeliveryFailed
from shopcore.domain.phone import Phone

API_KEY = "5f1e2d3c-aaaa-4bbb-8ccc-0123456789ab"
PHONE = Phone("+919876543210")
CODE = "042917"
SESSION_ID = "1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718"

Handler = Callable[[httpx.Request], httpx.Response]


class Provider:
    """A fake 2Factor: records requests and answers with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)


def answer(status: int = 200, **body: object) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def success() -> Handler:
    return answer(Status="Success", Details=SESSION_ID)


@pytest.fixture
def provider() -> Provider:
    return Provider(success())


@pytest.fixture
async def client(provider: Provider) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(provider)) as client:
        yield client


@pytest.fixture
def gateway(client: httpx.AsyncClient) -> TwoFactorOtpGateway:
    return TwoFactorOtpGateway(client, API_KEY)


async def test_voice_success(gateway: TwoFactorOtpGateway, provider: Provider,
                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="shopcore.otp")
    await gateway.deliver(PHONE, CODE, OtpChannel.VOICE)
    [request] = provider.requests
    assert request.method == "GET"
    assert request.url.host == "2factor.in"
    assert request.url.scheme == "https"
    assert request.url.raw_path.decode() == f"/API/V1/{API_KEY}/VOICE/9876543210/{CODE}"
    assert "+" not in request.url.raw_path.decode()
    assert SESSION_ID in caplog.text


async def test_sms_success_without_template(gateway: TwoFactorOtpGateway,
                                            provider: Provider) -> None:
    await gateway.deliver(PHONE, CODE, OtpChannel.SMS)
    [request] = provider.requests
    assert request.url.raw_path.decode() == f"/API/V1/{API_KEY}/SMS/9876543210/{CODE}"


async def test_sms_success_with_template(client: httpx.AsyncClient, provider: Provider) -> None:
    gateway = TwoFactorOtpGateway(client, API_KEY, sms_template="OTP1")
    await gateway.deliver(PHONE, CODE, OtpChannel.SMS)
    await gateway.deliver(PHONE, CODE, OtpChannel.VOICE)  # voice never takes a template
    sms, voice = (r.url.raw_path.decode() for r in provider.requests)
    assert sms == f"/API/V1/{API_KEY}/SMS/9876543210/{CODE}/OTP1"
    assert voice == f"/API/V1/{API_KEY}/VOICE/9876543210/{CODE}"


async def test_path_segments_are_quoted(client: httpx.AsyncClient, provider: Provider) -> None:
    gateway = TwoFactorOtpGateway(client, "key/with?odd#chars",
                                  base_url="https://example.test/api/", sms_template="a b/c")
    await gateway.deliver(PHONE, CODE, OtpChannel.SMS)
    [request] = provider.requests
    assert request.url.host == "example.test"
    assert request.url.raw_path.decode() == (
        f"/api/key%2Fwith%3Fodd%23chars/SMS/9876543210/{CODE}/a%20b%2Fc")


async def test_2xx_other_than_200_with_success_is_delivered(
        client: httpx.AsyncClient, provider: Provider) -> None:
    provider.handler = answer(201, Status="Success", Details=SESSION_ID)
    await TwoFactorOtpGateway(client, API_KEY).deliver(PHONE, CODE, OtpChannel.VOICE)


def raising(error: type[httpx.TransportError]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error(f"failed talking to {request.url}", request=request)
    return handler


FAILURES: dict[str, Handler] = {
    "provider error with 400": answer(
        400, Status="Error", Details="Invalid Phone Number - Length Mismatch(Expected >= 10)"),
    "provider error with 200": answer(200, Status="Error", Details="Insufficient balance"),
    "success status with 500": answer(500, Status="Success", Details=SESSION_ID),
    "http 500 html": lambda request: httpx.Response(500, text="<html>Internal error</html>"),
    "http 503 empty": lambda request: httpx.Response(503),
    "redirect": lambda request: httpx.Response(302, headers={"Location": "https://x.test/"}),
    "garbage body": lambda request: httpx.Response(200, content=b"\xff\xfe not json {"),
    "json without status": answer(200, Details=SESSION_ID),
    "json lowercase success": answer(200, Status="success", Details=SESSION_ID),
    "json list": lambda request: httpx.Response(200, json=["Success"]),
    "json string": lambda request: httpx.Response(200, json="Success"),
    "json nested 100000 deep": lambda request: httpx.Response(
        200, content=b"[" * 100_000 + b"]" * 100_000),
    "json details nested 100000 deep": lambda request: httpx.Response(
        200, content=b'{"Status": "Success", "Details": ' + b"{\"a\": " * 100_000
        + b"1" + b"}" * 100_001),
    "json number of 100000 digits": lambda request: httpx.Response(
        200, content=b'{"Status": "Success", "Details": ' + b"9" * 100_000 + b"}"),
    "read timeout": raising(httpx.ReadTimeout),
    "connect timeout": raising(httpx.ConnectTimeout),
    "connection error": raising(httpx.ConnectError),
    "remote protocol error": raising(httpx.RemoteProtocolError),
}


@pytest.mark.parametrize("handler", FAILURES.values(), ids=FAILURES.keys())
async def test_failures_raise_delivery_failed(
        gateway: TwoFactorOtpGateway, provider: Provider, handler: Handler,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    provider.handler = handler
    with pytest.raises(OtpDeliveryFailed) as caught:
        await gateway.deliver(PHONE, CODE, OtpChannel.VOICE)
    assert_no_key(caught.value, caplog)
    warnings = [r for r in caplog.records
                if r.name == "shopcore.otp" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "+91******3210" in warnings[0].getMessage()


async def test_provider_details_are_logged_on_failure(
        gateway: TwoFactorOtpGateway, provider: Provider,
        caplog: pytest.LogCaptureFixture) -> None:
    provider.handler = FAILURES["provider error with 400"]
    with pytest.raises(OtpDeliveryFailed):
        await gateway.deliver(PHONE, CODE, OtpChannel.SMS)
    [record] = [r for r in caplog.records if r.name == "shopcore.otp"]
    assert record.levelno == logging.WARNING
    assert "Length Mismatch" in record.getMessage()
    assert "HTTP 400" in record.getMessage()


async def test_api_key_never_leaks(gateway: TwoFactorOtpGateway, provider: Provider,
                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await gateway.deliver(PHONE, CODE, OtpChannel.VOICE)  # httpx logs the request URL
    provider.handler = raising(httpx.ConnectError)  # its message holds the URL
    with pytest.raises(OtpDeliveryFailed) as caught:
        await gateway.deliver(PHONE, CODE, OtpChannel.VOICE)
    provider.handler = answer(401, Status="Error", Details=f"Invalid API Key {API_KEY}")
    with pytest.raises(OtpDeliveryFailed) as echoed:
        await gateway.deliver(PHONE, CODE, OtpChannel.VOICE)
    assert_no_key(caught.value, caplog)
    assert_no_key(echoed.value, caplog)
    assert any(r.name == "httpx" for r in caplog.records)  # the filter redacted, not dropped


def assert_no_key(error: OtpDeliveryFailed, caplog: pytest.LogCaptureFixture) -> None:
    for text in (str(error), repr(error), repr(error.args), error.detail,
                 repr(error.__cause__), str(error.__cause__),
                 repr(error.__context__), str(error.__context__)):
        assert API_KEY not in text
    assert error.__cause__ is None and error.__context__ is None
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in str(record.msg)
    assert API_KEY not in caplog.text


async def test_non_indian_number_is_not_sent(gateway: TwoFactorOtpGateway,
                                             provider: Provider) -> None:
    with pytest.raises(OtpDeliveryFailed):
        await gateway.deliver(Phone("+447400123456"), CODE, OtpChannel.SMS)
    assert provider.requests == []


def test_national_number() -> None:
    assert national_number(Phone("+919876543210")) == "9876543210"
    assert national_number(Phone("+916300000000")) == "6300000000"
    for other in ("+447400123456", "+9198765432101", "+915123456789", "+14155550100"):
        with pytest.raises(ValueError):
            national_number(Phone(other))


def test_empty_api_key_refused(client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError):
        TwoFactorOtpGateway(client, "")


async def test_build_client_has_timeouts() -> None:
    client = build_two_factor_client(timeout_seconds=2.5)
    async with client:
        assert client.timeout.connect == 2.5
        assert client.timeout.read == 2.5
        assert client.follow_redirects is False


async def test_console_gateway_logs_the_code(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="shopcore.otp")
    await ConsoleOtpGateway().deliver(PHONE, CODE, OtpChannel.VOICE)
    [record] = caplog.records
    assert record.name == "shopcore.otp"
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"OTP for +919876543210: {CODE} (channel voice)"
