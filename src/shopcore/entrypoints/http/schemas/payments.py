"""Response bodies of the payment routes."""

from __future__ import annotations

from typing import Annotated

import msgspec

from shopcore.application.payments.handle_razorpay_webhook import WebhookOutcome
from shopcore.application.payments.pay_for_order import Checkout
from shopcore.domain.payments import PaymentStatus


class CheckoutBody(msgspec.Struct):
    """What the provider's checkout page needs to take the payment of one order.

    Pass ``key_id``, ``provider_order_id`` (Razorpay Checkout's ``order_id``),
    ``amount_minor`` (Checkout's ``amount``, in paise) and ``currency`` to the checkout;
    the order becomes ``paid`` when the provider's ``payment.captured`` webhook arrives.
    """

    order_id: str
    payment_id: str
    provider: Annotated[str, msgspec.Meta(examples=["razorpay"])]
    key_id: Annotated[str, msgspec.Meta(examples=["rzp_test_1DP5mmOlF5G5ag"])]
    provider_order_id: Annotated[str, msgspec.Meta(examples=["order_IluGWxBm9U8zJ8"])]
    amount: Annotated[str, msgspec.Meta(examples=["2998.00"])]
    amount_minor: Annotated[int, msgspec.Meta(examples=[299800])]
    currency: Annotated[str, msgspec.Meta(examples=["INR"])]
    status: PaymentStatus


def render_checkout(checkout: Checkout) -> CheckoutBody:
    """The checkout as the contract spells money (two-decimal string) plus paise."""
    return CheckoutBody(
        order_id=checkout.order_id, payment_id=checkout.payment_id,
        provider=checkout.provider, key_id=checkout.key_id,
        provider_order_id=checkout.provider_order_id, amount=checkout.amount.amount,
        amount_minor=checkout.amount.minor, currency=checkout.amount.currency,
        status=checkout.status)


ProviderId = Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                          pattern=r"^[A-Za-z0-9_]+$")]


class ConfirmCheckoutBody(msgspec.Struct, forbid_unknown_fields=True):
    """What Razorpay Checkout's ``handler`` receives when the customer has paid, passed
    on as it is."""

    razorpay_payment_id: Annotated[ProviderId, msgspec.Meta(examples=["pay_29QQoUBi66xm2f"])]
    razorpay_order_id: Annotated[ProviderId, msgspec.Meta(examples=["order_IluGWxBm9U8zJ8"])]
    razorpay_signature: Annotated[str, msgspec.Meta(
        min_length=1, max_length=128, pattern=r"^[0-9a-fA-F]+$",
        description="hex HMAC-SHA256 of ``razorpay_order_id|razorpay_payment_id``",
        examples=["9ef4dffbfd84f1318f6739a3ce19f9d85851857ae648f114332d8401e0949a3d"])]


class WebhookAnswerBody(msgspec.Struct):
    """What a verified webhook did. Every such answer is a 200, so the provider stops
    retrying: ``processed``, ``duplicate`` (this event id was handled before),
    ``ignored`` (not an event we act on, or stale news), ``unknown_payment``,
    ``amount_mismatch`` (nothing moved; logged for a person)."""

    status: WebhookOutcome
