"""Deliver our own OTP codes through 2Factor.in (voice call or SMS).

The API key is a segment of every request path, so the request URL is never
logged nor put in an exception: failures become a bare ``OtpDeliveryFailed``
and httpx's own "HTTP Request: GET <url>" log line has the key redacted.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

import httpx

from shopcore.domain.otp import OtpChannel, OtpDeliveryFailed
from shopcore.domain.phone import Phone

DEFAULT_BASE_URL = "https://2factor.in/API/V1"
_INDIAN_MOBILE = re.compile(r"\+91([6-9][0-9]{9})")
_MAX_DETAILS_LOGGED = 200
_REDACTED = "[redacted]"

logger = logging.getLogger("shopcore.otp")


def national_number(phone: Phone) -> str:
    """The 10-digit national number of an Indian mobile (``+919876543210`` → ``9876543210``).

    Raises ``ValueError`` for any other number.
    """
    match = _INDIAN_MOBILE.fullmatch(phone.e164)
    if match is None:
        raise ValueError("not an Indian mobile number")
    return match.group(1)


def build_two_factor_client(timeout_seconds: float = 5.0) -> httpx.AsyncClient:
    """One shared client for 2Factor.in: pooled connections, connect and read timeouts.

    The caller closes it (``await client.aclose()``) on shutdown.
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds, connect=timeout_seconds, read=timeout_seconds),
        headers={"Accept": "application/json"},
        follow_redirects=False,
    )


class TwoFactorOtpGateway:
    """``OtpGateway`` that asks 2Factor.in to deliver a code we generated.

    Delivery succeeded only for HTTP 2xx with a JSON body whose ``Status`` is
    ``"Success"``; anything else raises ``OtpDeliveryFailed``. Indian mobiles only.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        sms_template: str | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("the 2Factor API key must not be empty")
        self._client = client
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._sms_template = sms_template or None
        _redactor.add(api_key)
        logging.getLogger("httpx").addFilter(_redactor)  # its request log line holds the URL

    async def deliver(self, phone: Phone, code: str, channel: OtpChannel) -> None:
        """Have ``code`` delivered to ``phone``; raise ``OtpDeliveryFailed`` on any failure."""
        try:
            national = national_number(phone)
        except ValueError:
            ok, outcome = False, "not an Indian mobile number"
        else:
            ok, outcome = await self._send(self._url(national, code, channel))
        if not ok:
            # Raised outside any ``except`` block: no __cause__ nor __context__ to leak.
            logger.warning("2Factor %s delivery to %s failed: %s",
                           channel.value, phone.masked(), outcome)
            raise OtpDeliveryFailed()
        logger.info("2Factor accepted the %s code for %s; session %s",
                    channel.value, phone.masked(), outcome)

    def _url(self, national: str, code: str, channel: OtpChannel) -> str:
        segments = [self._api_key, "VOICE" if channel is OtpChannel.VOICE else "SMS",
                    national, code]
        if channel is OtpChannel.SMS and self._sms_template is not None:
            segments.append(self._sms_template)
        return self._base_url + "/" + "/".join(quote(s, safe="") for s in segments)

    async def _send(self, url: str) -> tuple[bool, str]:
        """GET ``url``: ``(True, session id)`` or ``(False, why it failed)``.

        Exceptions are turned into text here, so nothing raised later carries the URL.
        """
        try:
            response = await self._client.get(url)
        except httpx.TimeoutException:
            return False, "timed out"
        except httpx.HTTPError as error:  # connection refused, protocol error, ...
            return False, f"transport error ({type(error).__name__})"
        try:
            body = response.json()
        except ValueError:  # not JSON, not decodable text, or a number too long to read
            return False, f"HTTP {response.status_code}, body is not JSON"
        except RecursionError:  # arrays or objects nested beyond the decoder's depth
            return False, f"HTTP {response.status_code}, JSON body is nested too deeply"
        if not isinstance(body, dict):
            return False, f"HTTP {response.status_code}, JSON body is not an object"
        status, details = body.get("Status"), _printable(body.get("Details"))
        if not response.is_success or status != "Success":
            return False, f"HTTP {response.status_code}, Status {_printable(status)}: {details}"
        return True, details


def _printable(value: object) -> str:
    """Provider text fit for a log line: secrets redacted, shortened, repr-quoted."""
    text = value if isinstance(value, str) else repr(value)
    return repr(_redactor.redact(text)[:_MAX_DETAILS_LOGGED])


class _SecretRedactor(logging.Filter):
    """Replaces known secrets in log records (installed on httpx's request logger)."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        """Redact ``secret`` (raw and URL-quoted) from now on."""
        self._secrets.update({secret, quote(secret, safe="")})

    def redact(self, text: str) -> str:
        """``text`` with every known secret replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, _REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: self._redact_arg(arg) for key, arg in record.args.items()}
        return True

    def _redact_arg(self, arg: object) -> object:
        if isinstance(arg, int | float):
            return arg  # keep %d / %f placeholders working
        text = str(arg)
        redacted = self.redact(text)
        return arg if redacted == text else redacted


_redactor = _SecretRedactor()
