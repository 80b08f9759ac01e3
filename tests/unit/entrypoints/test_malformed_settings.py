"""Malformed settings that would only fail later (on a request, or with a traceback) are
refused at start-up with one line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcore.entrypoints.settings import Settings, SettingsError


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load({"SHOPCORE_ENV": "test", **env}, workdir=tmp_path)


def refused(tmp_path: Path, name: str, value: str) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name and name in str(caught.value)
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize("url", [
    "redis://127.0.0.1:abc/0",  # a port that is not a number
    "redis://127.0.0.1:99999/0",  # a port out of range
    "redis://127.0.0.1:6379/0?socket_timeout=x",  # an option that is not a number
    "redis://127.0.0.1:6379/0?bogus_option=1",  # an option redis-py does not take
    "redis://127.0.0.1:6379/0?db=x",
    "redis://[::1/0",  # an unclosed IPv6 address
    "rediss://127.0.0.1:6379/0?ssl_cert_reqs=sometimes",
])
def test_a_malformed_redis_url_is_refused(tmp_path: Path, url: str) -> None:
    refused(tmp_path, "SHOPCORE_REDIS_URL", url)


@pytest.mark.parametrize("url", [
    "redis://127.0.0.1:6379/0", "redis://:a-password@cache.internal/2", "rediss://cache:6380/1",
    "redis://[::1]:6379/0", "unix:///run/redis.sock?db=3", "redis://cache/0?socket_timeout=5",
])
def test_a_well_formed_redis_url_is_kept(tmp_path: Path, url: str) -> None:
    assert load(tmp_path, SHOPCORE_REDIS_URL=url).redis_url == url


def test_a_refused_redis_url_never_shows_its_password(tmp_path: Path) -> None:
    error = refused(tmp_path, "SHOPCORE_REDIS_URL", "redis://:hunter2-secret@cache:abc/0")
    assert "hunter2" not in str(error)


@pytest.mark.parametrize("url", [
    "postgresql+asyncpg://postgres:hunter2-secret@127.0.0.1:abc/shop",  # not a number
    "postgresql+asyncpg://postgres:hunter2-secret@[::1/shop",  # an unclosed IPv6 address
    "postgresql+asyncpg://postgres:hunter2-secret@127.0.0.1:99999/shop",  # out of range
    "postgresql+asyncpg://postgres:hunter2-secret@127.0.0.1/shop?bogus_param=1",
])
def test_a_malformed_database_url_is_one_line_without_its_password(
    tmp_path: Path, url: str
) -> None:
    error = refused(tmp_path, "SHOPCORE_DATABASE_URL", url)
    assert "hunter2" not in str(error)


@pytest.mark.parametrize("url", [
    "postgresql+asyncpg://postgres@[::1]:5432/shop",
    "postgresql+asyncpg://shop@/shop?host=/run/postgresql",  # a Unix socket
    "postgresql+asyncpg://shop:pw@db.internal/shop?ssl=require&command_timeout=10",
    "postgresql+asyncpg://shop@db.internal/shop?prepared_statement_cache_size=0",
    "sqlite+aiosqlite:///./shop.db", "sqlite+aiosqlite://",
])
def test_a_well_formed_database_url_is_kept(tmp_path: Path, url: str) -> None:
    assert load(tmp_path, SHOPCORE_DATABASE_URL=url).database_url == url


def test_a_limit_of_thousands_of_digits_is_read_without_a_traceback(tmp_path: Path) -> None:
    # int() refuses texts of more than 4300 digits with a ValueError of its own.
    refused(tmp_path, "SHOPCORE_OTP_PER_IP_HOURLY", "9" * 5000)
    zeros = "0" * 4999 + "5"  # leading zeros are read away, as int() would
    assert load(tmp_path, SHOPCORE_OTP_PER_IP_HOURLY=zeros).otp_per_ip_hourly == 5


def test_a_dotenv_file_that_is_not_utf8_is_one_line_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_bytes(b"\xff\xfeSHOPCORE_ENV=test\n")
    monkeypatch.delenv("SHOPCORE_ENV", raising=False)
    with pytest.raises(SettingsError) as caught:
        Settings.load(workdir=tmp_path)
    assert str(tmp_path / ".env") in str(caught.value) and "UTF-8" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("value", "named"), [
    ("+9100000:482913", "+9100000"),  # too short to be a number
    ("+15555550100:482913", "+15555550100"),  # a fictional number
    ("+12025550123:482913", "+12025550123"),  # a country the app does not accept
    ("+911123456789:482913", "+911123456789"),  # a landline (Delhi), not a mobile
    ("+919999999999:482913,+919999999999:573024", "+919999999999"),  # given twice
])
def test_a_test_number_no_login_could_use_is_refused(
    tmp_path: Path, value: str, named: str
) -> None:
    error = refused(tmp_path, "SHOPCORE_OTP_TEST_NUMBERS", value)
    assert named in str(error)
    assert "482913" not in str(error) and "573024" not in str(error)


def test_test_numbers_the_app_accepts_are_kept(tmp_path: Path) -> None:
    settings = load(tmp_path,
                    SHOPCORE_OTP_TEST_NUMBERS="+919999999999:123456, +919800000001:654321")
    assert settings.otp_test_numbers == {"+919999999999": "123456", "+919800000001": "654321"}


@pytest.mark.parametrize(("given", "kept"), [
    ("https://shop.example/", "https://shop.example"),  # the lone slash browsers never send
    ("https://Admin.Example.COM", "https://admin.example.com"),  # browsers send lowercase
    ("HTTPS://shop.example", "https://shop.example"),
    ("https://shop.example:443", "https://shop.example"),  # the default port goes unsaid
    ("http://localhost:80/", "http://localhost"),
    ("http://localhost:5173", "http://localhost:5173"),
    ("http://[::1]:3000", "http://[::1]:3000"),
    ("https://shop.xn--r8jz45g.jp", "https://shop.xn--r8jz45g.jp"),  # an IDN, as sent
])
def test_a_cors_origin_is_kept_as_browsers_send_it(
    tmp_path: Path, given: str, kept: str
) -> None:
    assert load(tmp_path, SHOPCORE_CORS_ORIGINS=given).cors_origins == (kept,)


def test_the_same_cors_origin_written_twice_is_kept_once(tmp_path: Path) -> None:
    origins = "https://shop.example, https://SHOP.example/, https://admin.example"
    assert load(tmp_path, SHOPCORE_CORS_ORIGINS=origins).cors_origins == (
        "https://shop.example", "https://admin.example")


@pytest.mark.parametrize("origin", [
    "https://shop.例え.jp",  # outside ASCII (browsers send the xn-- form)
    "https://shop.example/app",  # a path: not an origin
    "https://shop.example?x=1", "https://shop.example#top",
    "https://user@shop.example",
    "https://shop.example:99999", "https://shop.example:abc",
    "https://", "https:///path",
    "ftp://shop.example", "null", "*",
])
def test_what_is_no_origin_is_refused(tmp_path: Path, origin: str) -> None:
    refused(tmp_path, "SHOPCORE_CORS_ORIGINS", origin)
