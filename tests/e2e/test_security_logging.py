"""Security events are logged with a request id and never contain a code, token or key."""

from __future__ import annotations

import logging

import pytest

from shopcore.entrypoints.logging_config import JsonFormatter, RequestIdFilter, TextFormatter
from tests.e2e.conftest import Api

PHONE = "+919876543210"
OUR_LOGGERS = {"shopcore", "httpx", "litestar", "uvicorn"}
"""Loggers the shipped logging configuration emits (drivers log at DEBUG only)."""


async def test_login_flow_logs_events_without_secrets(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RequestIdFilter())
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    code = api.otp.last_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    await api.client.post("/api/auth/verify-otp/", json={"phone": PHONE, "otp": wrong})
    login = (await api.client.post("/api/auth/verify-otp/",
                                   json={"phone": PHONE, "otp": code})).json()
    await api.client.post("/api/auth/refresh/", json={"refresh_token": login["refresh_token"]})
    await api.client.post("/api/auth/refresh/", json={"refresh_token": login["refresh_token"]})

    events = [r for r in caplog.records if r.name == "shopcore.security"]
    assert [r.getMessage() for r in events] == [
        "otp.requested", "login.failed", "login.succeeded", "session.reuse_detected"]
    assert all(getattr(r, "request_id", "-") != "-" for r in events)
    secrets = [code, login["access_token"], login["refresh_token"],
               api.container.settings().secret_key, "9876543210"]
    ours = [r for r in caplog.records if r.name.split(".")[0] in OUR_LOGGERS]
    assert ours
    for record in ours:
        for formatter in (TextFormatter(), JsonFormatter()):
            line = formatter.format(record)
            leaked = [s for s in secrets if s in line]
            assert not leaked, f"{record.name} leaked {leaked}: {line}"


async def test_a_lockout_is_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="shopcore.security")
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    wrong = f"{(int(api.otp.last_code(PHONE)) + 1) % 1_000_000:06d}"
    for _ in range(6):
        await api.client.post("/api/auth/verify-otp/", json={"phone": PHONE, "otp": wrong})
    messages = [r.getMessage() for r in caplog.records if r.name == "shopcore.security"]
    assert messages.count("otp.locked") == 1 and messages.count("login.failed") == 6


def test_json_lines_carry_the_event_fields() -> None:
    record = logging.LogRecord("shopcore.security", logging.INFO, __file__, 1, "login.succeeded",
                               None, None)
    record.fields = {"user_id": "u-1"}  # type: ignore[attr-defined]
    record.request_id = "abc"  # type: ignore[attr-defined]
    line = JsonFormatter().format(record)
    assert '"user_id": "u-1"' in line and '"request_id": "abc"' in line
