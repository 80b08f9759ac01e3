"""The payment gateway of a shop that takes no online payment (``SHOPCORE_PAYMENT_GATEWAY
=off``, the production default without Razorpay keys)."""

from __future__ import annotations

from shopcore.application.ports.payments import (
    MalformedWebhook,
    ProviderEvent,
    ProviderOrder,
    ProviderRefund,
)
from shopcore.domain.money import Money
from shopcore.domain.payments import PaymentProviderFailed, PaymentsUnavailable


class PaymentsOffGateway:
    """``PaymentGateway`` with no provider: paying is ``PaymentsUnavailable`` (503
    ``payments_unavailable``), no signature is ever valid, and a refund (of a payment
    taken while a provider was configured) fails as a provider failure would, leaving
    the refund owed for ``shopcore payments retry-refunds`` once one is back."""

    @property
    def name(self) -> str:
        return "off"

    @property
    def key_id(self) -> str:
        raise PaymentsUnavailable()

    async def create_order(self, order_id: str, amount: Money) -> ProviderOrder:
        raise PaymentsUnavailable()

    def verify_checkout_signature(
        self, provider_order_id: str, provider_payment_id: str, signature: str
    ) -> bool:
        return False

    def verify_webhook_signature(self, raw_body: bytes, signature: str) -> bool:
        return False

    def parse_webhook(self, raw_body: bytes) -> ProviderEvent:
        raise MalformedWebhook("No payment provider is configured.")

    async def refund(
        self, provider_payment_id: str, amount: Money, idempotency_key: str
    ) -> ProviderRefund:
        raise PaymentProviderFailed("No payment provider is configured to refund through.")
