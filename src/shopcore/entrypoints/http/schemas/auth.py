"""Request and response bodies of the auth routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

PhoneText = Annotated[str, msgspec.Meta(min_length=1, max_length=32, examples=["+919876543210"])]
RefreshTokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=512)]


class RequestOtpBody(msgspec.Struct, forbid_unknown_fields=True):
    """Ask for a login code by voice call (default) or SMS."""

    phone: PhoneText
    channel: Literal["voice", "sms"] = "voice"


class OtpRequestedBody(msgspec.Struct):
    """The code is on its way."""

    phone: str
    expires_in: int
    resend_after: int


class VerifyOtpBody(msgspec.Struct, forbid_unknown_fields=True):
    """The phone and the code received."""

    phone: PhoneText
    otp: Annotated[str, msgspec.Meta(min_length=1, max_length=16, examples=["123456"])]


class LoginUserBody(msgspec.Struct):
    """The user who just logged in."""

    id: str
    phone: str
    is_new: bool
    is_admin: bool


class SessionUserBody(msgspec.Struct):
    """The user of a refreshed session."""

    id: str
    phone: str
    is_admin: bool


class LoginBody(msgspec.Struct):
    """A new token pair after OTP verification."""

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user: LoginUserBody


class RefreshedBody(msgspec.Struct):
    """A rotated token pair."""

    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user: SessionUserBody


class RefreshTokenBody(msgspec.Struct, forbid_unknown_fields=True):
    """A refresh token to rotate or revoke."""

    refresh_token: RefreshTokenText


class MeBody(msgspec.Struct):
    """The authenticated user."""

    id: str
    phone: str
    is_admin: bool
    created_at: datetime
