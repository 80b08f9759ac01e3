"""Numbers in settings are ASCII 0-9 only: other Unicode digits (``²``, ``٣``, ``１``)
are refused with the usual settings error, never a traceback nor another number."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcore.entrypoints.cli import main
from shopcore.entrypoints.settings import Settings, SettingsError

INTEGER_SETTINGS = {
    "SHOPCORE_MAX_IMAGE_BYTES": "max_image_bytes",
    "SHOPCORE_OTP_PER_PHONE_HOURLY": "otp_per_phone_hourly",
    "SHOPCORE_OTP_PER_IP_HOURLY": "otp_per_ip_hourly",
    "SHOPCORE_DB_POOL_SIZE": "db_pool_size",
    "SHOPCORE_REQUEST_TIMEOUT": "request_timeout_seconds",
    "SHOPCORE_READ_CACHE_MS": "read_cache_ms",
    "SHOPCORE_DB_MAX_OVERFLOW": "db_max_overflow",
    "SHOPCORE_DB_POOL_TIMEOUT": "db_pool_timeout",
    "SHOPCORE_DB_POOL_RECYCLE": "db_pool_recycle",
    "SHOPCORE_OTP_VERIFY_FAILURES_PER_IP": "otp_verify_failures_per_ip",
    "SHOPCORE_WRITES_PER_MINUTE": "writes_per_minute",
}
NOT_ASCII_DIGITS = (
    "²",  # superscript two: str.isdigit says yes, int() raises
    "٣",  # Arabic-Indic three: int() reads 3
    "１",  # fullwidth one: int() reads 1
    "1٠",  # ASCII and Arabic-Indic mixed
)


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load({"SHOPCORE_ENV": "test", **env}, workdir=tmp_path)


@pytest.mark.parametrize("name", INTEGER_SETTINGS)
@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
def test_an_integer_setting_in_other_digits_is_a_settings_error(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name and "whole number" in str(caught.value)


@pytest.mark.parametrize(("name", "field"), INTEGER_SETTINGS.items())
def test_an_integer_setting_in_ascii_digits_is_read(
    tmp_path: Path, name: str, field: str
) -> None:
    value = 4096 if field == "max_image_bytes" else 7
    assert getattr(load(tmp_path, **{name: str(value)}), field) == value


@pytest.mark.parametrize("value", ["+٩١9999999999:123456", "+919999999999:１２３４５６",
                                   "+919999999999:12345²", "+²19999999999:123456"])
def test_otp_test_numbers_in_other_digits_are_a_settings_error(tmp_path: Path, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, SHOPCORE_OTP_TEST_NUMBERS=value)
    assert caught.value.name == "SHOPCORE_OTP_TEST_NUMBERS"


def test_the_cli_reports_a_superscript_digit_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHOPCORE_ENV", "test")
    monkeypatch.setenv("SHOPCORE_DB_POOL_SIZE", "²")
    assert main(["db", "upgrade"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "SHOPCORE_DB_POOL_SIZE" in error
    assert "Traceback" not in error
