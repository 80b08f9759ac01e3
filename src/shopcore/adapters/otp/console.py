"""An OTP gateway for development: the code goes to the server log."""

from __future__ import annotations

import logging

from shopcore.domain.otp import OtpChannel
from shopcore.domain.phone import Phone

logger = logging.getLogger("shopcore.otp")


class ConsoleOtpGateway:
    """``OtpGateway`` that logs the code at WARNING instead of sending it.

    Development only (no ``TWO_FACTOR_API_KEY``): this is where ``make run`` users
    read their code. Never use it where logs are shared.
    """

    async def deliver(self, phone: Phone, code: str, channel: OtpChannel) -> None:
        """Write ``OTP for <phone>: <code> (channel <channel>)`` to the ``shopcore.otp`` log."""
        logger.warning("OTP for %s: %s (channel %s)", phone.e164, code, channel.value)
