"""Payment settings: the fake gateway outside production, Razorpay with all its keys in
production or no online payment at all, secrets kept out of reprs and error lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcore.entrypoints.settings import Settings, SettingsError

PRODUCTION = {"SHOPCORE_ENV": "production", "SHOPCORE_SECRET_KEY": "s" * 40,
              "TWO_FACTOR_API_KEY": "key"}
RAZORPAY = {"RAZORPAY_KEY_ID": "rzp_live_abc", "RAZORPAY_KEY_SECRET": "key-secret-123",
            "RAZORPAY_WEBHOOK_SECRET": "webhook-secret-456"}


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load(environ=env, workdir=tmp_path)


def test_outside_production_the_fake_gateway_is_the_default(tmp_path: Path) -> None:
    assert load(tmp_path).payment_gateway == "fake"
    assert load(tmp_path, SHOPCORE_ENV="test").payment_gateway == "fake"
    assert Settings().payment_gateway == "fake"


def test_production_uses_razorpay_with_its_keys(tmp_path: Path) -> None:
    settings = load(tmp_path, **PRODUCTION, **RAZORPAY)
    assert settings.payment_gateway == "razorpay"
    assert (settings.razorpay_key_id, settings.razorpay_key_secret,
            settings.razorpay_webhook_secret) == ("rzp_live_abc", "key-secret-123",
                                                  "webhook-secret-456")


def test_production_without_razorpay_takes_no_online_payment(tmp_path: Path) -> None:
    # API.md's start-up rules ask production for a secret and TWO_FACTOR_API_KEY only
    assert load(tmp_path, **PRODUCTION).payment_gateway == "off"
    assert load(tmp_path, SHOPCORE_PAYMENT_GATEWAY="off").payment_gateway == "off"


def test_production_refuses_the_fake_gateway(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **PRODUCTION, **RAZORPAY, SHOPCORE_PAYMENT_GATEWAY="fake")
    assert caught.value.name == "SHOPCORE_PAYMENT_GATEWAY"


@pytest.mark.parametrize("missing", sorted(RAZORPAY))
def test_razorpay_without_one_of_its_keys_is_refused(tmp_path: Path, missing: str) -> None:
    keys = {name: value for name, value in RAZORPAY.items() if name != missing}
    for env in ({**PRODUCTION, **keys}, {**keys, "SHOPCORE_PAYMENT_GATEWAY": "razorpay"}):
        with pytest.raises(SettingsError) as caught:
            load(tmp_path, **env)
        assert caught.value.name == missing
        message = str(caught.value)
        assert "\n" not in message and missing in message
        assert all(secret not in message for secret in RAZORPAY.values())


def test_an_unknown_gateway_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, SHOPCORE_PAYMENT_GATEWAY="stripe")
    assert caught.value.name == "SHOPCORE_PAYMENT_GATEWAY"


def test_the_secrets_are_not_in_the_settings_repr(tmp_path: Path) -> None:
    text = repr(load(tmp_path, **PRODUCTION, **RAZORPAY))
    assert "key-secret-123" not in text and "webhook-secret-456" not in text
    assert "rzp_live_abc" in text  # the key id is public (the checkout page shows it)


async def test_the_container_serves_the_selected_gateway(tmp_path: Path) -> None:
    from shopcore.adapters.memory.payments import FakePaymentGateway
    from shopcore.adapters.payments_off import PaymentsOffGateway
    from shopcore.adapters.razorpay import RazorpayPaymentGateway
    from shopcore.entrypoints.container import build_container

    razorpay = build_container(load(tmp_path, SHOPCORE_PAYMENT_GATEWAY="razorpay", **RAZORPAY))
    fake = build_container(load(tmp_path))
    off = build_container(load(tmp_path, **PRODUCTION))
    try:
        gateway = razorpay.payment_gateway()
        assert isinstance(gateway, RazorpayPaymentGateway) and gateway.key_id == "rzp_live_abc"
        assert "key-secret-123" not in repr(gateway)
        assert isinstance(fake.payment_gateway(), FakePaymentGateway)
        assert isinstance(off.payment_gateway(), PaymentsOffGateway)
    finally:
        await razorpay.http_client().aclose()
        await fake.http_client().aclose()
