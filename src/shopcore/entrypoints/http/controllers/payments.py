"""Routes of payments: paying for an order, and Razorpay's webhook."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK

from shopcore.application.payments.confirm_checkout import (
    ConfirmCheckout,
    ConfirmCheckoutCommand,
)
from shopcore.application.payments.handle_razorpay_webhook import (
    HandleRazorpayWebhook,
    HandleRazorpayWebhookCommand,
)
from shopcore.application.payments.pay_for_order import PayForOrder, PayForOrderCommand
from shopcore.application.ports import AccessClaims
from shopcore.entrypoints.http.dependencies import use_case, use_case_after_claims
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.routing import post
from shopcore.entrypoints.http.schemas.payments import (
    CheckoutBody,
    ConfirmCheckoutBody,
    WebhookAnswerBody,
    render_checkout,
)
from shopcore.entrypoints.http.security import BEARER_SECURITY, CLAIMS
from shopcore.entrypoints.http.throttling import requires_user_and_limits_writes

OrderPathId = Annotated[str, PathParameter(
    description="The order's opaque id; an unknown one (or another user's) is 404",
    schema_extra={"minLength": 1, "maxLength": 64})]


class PaymentsController(Controller):
    """Paying for one's order through the payment provider."""

    path = "/api"
    tags = ["payments"]

    @post("/orders/{order_id:str}/pay/", status_code=HTTP_200_OK,
          guards=[requires_user_and_limits_writes],
          security=BEARER_SECURITY,
          dependencies={"claims": CLAIMS, "pay_for_order": use_case_after_claims("pay_for_order")},
          summary="Open (or reopen) the payment of one of the caller's orders",
          responses=problem_responses(400, 401, 404, 409, 429, 502, 503))
    async def pay(
        self, order_id: OrderPathId, claims: NamedDependency[AccessClaims],
        pay_for_order: NamedDependency[PayForOrder],
    ) -> CheckoutBody:
        """Only for a placed order of the caller (another user's order is 404; one that is
        not placed, 409 ``invalid_state``). Asking again returns the same payment. The
        provider failing or timing out is 502 ``payment_provider_failed``; a shop that
        takes no online payment (``SHOPCORE_PAYMENT_GATEWAY=off``) answers 503
        ``payments_unavailable``. The order becomes ``paid`` only through the provider's
        webhook."""
        return render_checkout(await pay_for_order(PayForOrderCommand(claims.user_id, order_id)))

    @post("/orders/{order_id:str}/pay/confirm/", status_code=HTTP_200_OK,
          guards=[requires_user_and_limits_writes],
          security=BEARER_SECURITY,
          dependencies={"claims": CLAIMS,
                        "confirm_checkout": use_case_after_claims("confirm_checkout")},
          summary="Pass on what the provider's checkout answered for one of the caller's "
                  "orders",
          responses=problem_responses(400, 401, 404, 413, 415, 422, 429))
    async def confirm(
        self, order_id: OrderPathId, data: JSONBody[ConfirmCheckoutBody],
        claims: NamedDependency[AccessClaims],
        confirm_checkout: NamedDependency[ConfirmCheckout],
    ) -> CheckoutBody:
        """``razorpay_signature`` must be the provider's signature of the payment order
        stored for this order and ``razorpay_payment_id`` (else 400
        ``invalid_signature`` and nothing changes). The payment becomes ``authorized``
        with that attempt, which the checkout page can show at once; the order becomes
        ``paid`` only through the provider's ``payment.captured`` webhook. Confirming
        again answers the payment as it is. Another user's order, or one without a
        payment, is 404."""
        return render_checkout(await confirm_checkout(ConfirmCheckoutCommand(
            user_id=claims.user_id, order_id=order_id,
            provider_order_id=data.razorpay_order_id,
            provider_payment_id=data.razorpay_payment_id,
            signature=data.razorpay_signature)))

    @post("/payments/webhook/razorpay/", status_code=HTTP_200_OK,
          dependencies={"handle_razorpay_webhook": use_case("handle_razorpay_webhook")},
          summary="Razorpay's webhook (signed with the webhook secret, no token)",
          request_max_body_size=256 * 1024,
          responses=problem_responses(400, 413, 415))
    async def razorpay_webhook(
        self, request: Request[Any, Any, Any],
        handle_razorpay_webhook: NamedDependency[HandleRazorpayWebhook],
    ) -> WebhookAnswerBody:
        """The ``X-Razorpay-Signature`` header must be the HMAC-SHA256 of the exact raw
        body with the webhook secret (else 400 ``invalid_signature`` and nothing changes).
        The body is Razorpay's JSON, sent as ``application/json`` (another type is 415
        ``unsupported_media``). Each ``X-Razorpay-Event-Id`` is handled once; a verified
        event always answers 200 with what it did, so Razorpay stops retrying it."""
        outcome = await handle_razorpay_webhook(HandleRazorpayWebhookCommand(
            raw_body=await request.body(),
            signature=request.headers.get("x-razorpay-signature"),
            event_id=request.headers.get("x-razorpay-event-id")))
        return WebhookAnswerBody(status=outcome)
