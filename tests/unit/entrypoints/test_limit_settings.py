"""Settings of the abuse limits: failed OTP verifications per IP, writes per user."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcore.entrypoints.container import build_container
from shopcore.entrypoints.settings import Settings, SettingsError


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load({"SHOPCORE_ENV": "test", **env}, workdir=tmp_path)


def test_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert (settings.otp_verify_failures_per_ip, settings.writes_per_minute) == (20, 60)


def test_limits_are_read_and_reach_the_otp_policy(tmp_path: Path) -> None:
    settings = load(tmp_path, SHOPCORE_OTP_VERIFY_FAILURES_PER_IP="7",
                    SHOPCORE_WRITES_PER_MINUTE="3")
    assert (settings.otp_verify_failures_per_ip, settings.writes_per_minute) == (7, 3)
    assert build_container(settings).otp_policy().verify_failures_per_ip == 7


@pytest.mark.parametrize("name", ["SHOPCORE_OTP_VERIFY_FAILURES_PER_IP",
                                  "SHOPCORE_WRITES_PER_MINUTE"])
@pytest.mark.parametrize("value", ["0", "-1", "many", "1000001"])
def test_a_wrong_limit_names_the_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name
