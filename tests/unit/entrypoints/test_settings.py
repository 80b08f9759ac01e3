"""Settings are read from the environment and `.env`, and validated at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcore.entrypoints.settings import DEV_SECRET_FILE, Settings, SettingsError

STRONG = "s" * 40


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load(environ=env, workdir=tmp_path)


def test_defaults_are_the_embedded_development_shop(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings.env == "development"
    assert settings.database_url == "sqlite+aiosqlite:///./shopcore.db"
    assert (settings.otp_per_phone_hourly, settings.otp_per_ip_hourly) == (5, 50)
    assert settings.max_image_bytes == 5 * 1024 * 1024 and settings.two_factor_api_key is None


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first, second = load(tmp_path), load(tmp_path)
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert (tmp_path / DEV_SECRET_FILE).stat().st_mode & 0o077 == 0


def test_the_dotenv_file_is_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("SHOPCORE_OTP_PER_PHONE_HOURLY=7\nSHOPCORE_CURRENCY=USD\n")
    monkeypatch.setenv("SHOPCORE_CURRENCY", "EUR")
    settings = Settings.load(workdir=tmp_path)
    assert settings.otp_per_phone_hourly == 7 and settings.currency == "EUR"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHOPCORE_ENV", "staging"),
        ("SHOPCORE_MAX_IMAGE_BYTES", "lots"),
        ("SHOPCORE_OTP_PER_PHONE_HOURLY", "-1"),
        ("SHOPCORE_OTP_PER_IP_HOURLY", "0"),
        ("SHOPCORE_OTP_TEST_NUMBERS", "+919999999999=123456"),
        ("SHOPCORE_OTP_TEST_NUMBERS", "+919999999999:12"),
        ("SHOPCORE_DATABASE_URL", "mysql://localhost/shop"),
        ("SHOPCORE_DATABASE_URL", "not a url"),
        ("SHOPCORE_CORS_ORIGINS", "*"),
        ("SHOPCORE_SECRET_KEY", "short"),
        ("SHOPCORE_CURRENCY", "rupees"),
    ],
)
def test_a_wrong_value_names_its_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **{name: value})
    assert caught.value.name == name and name in str(caught.value)
    if name == "SHOPCORE_SECRET_KEY":
        assert value not in str(caught.value)


def test_production_needs_a_strong_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, SHOPCORE_ENV="production", TWO_FACTOR_API_KEY="k")
    assert caught.value.name == "SHOPCORE_SECRET_KEY"
    assert not (tmp_path / DEV_SECRET_FILE).exists()


def test_production_needs_the_two_factor_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, SHOPCORE_ENV="production", SHOPCORE_SECRET_KEY=STRONG)
    assert caught.value.name == "TWO_FACTOR_API_KEY"


def test_production_with_everything_set_loads(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        SHOPCORE_ENV="production",
        SHOPCORE_SECRET_KEY=STRONG,
        TWO_FACTOR_API_KEY="key",
        SHOPCORE_OTP_TEST_NUMBERS="+919999999999:123456",
        SHOPCORE_CORS_ORIGINS="https://a.example, https://b.example",
        SHOPCORE_TRUSTED_PROXIES="10.0.0.1",
        RAZORPAY_KEY_ID="rzp_live_x", RAZORPAY_KEY_SECRET="secret",
        RAZORPAY_WEBHOOK_SECRET="whsecret",
    )
    assert settings.production and settings.otp_test_numbers == {"+919999999999": "123456"}
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.trusted_proxies == frozenset({"10.0.0.1"})


def test_secrets_stay_out_of_the_repr(tmp_path: Path) -> None:
    settings = load(tmp_path, SHOPCORE_SECRET_KEY=STRONG, TWO_FACTOR_API_KEY="api-key-value")
    assert STRONG not in repr(settings) and "api-key-value" not in repr(settings)
