"""Routes of the mobile-OTP login and the token lifecycle."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from shopcore.application.auth.current_user import GetCurrentUser
from shopcore.application.auth.logout import Logout, LogoutCommand
from shopcore.application.auth.refresh_session import RefreshSession, RefreshSessionCommand
from shopcore.application.auth.request_otp import RequestOtp, RequestOtpCommand
from shopcore.application.auth.verify_otp import VerifyOtp, VerifyOtpCommand
from shopcore.application.ports import AccessClaims
from shopcore.domain.otp import OtpChannel
from shopcore.entrypoints.http.dependencies import use_case, use_case_after_claims
from shopcore.entrypoints.http.problems import problem_responses
from shopcore.entrypoints.http.routing import get, post
from shopcore.entrypoints.http.schemas.auth import (
    LoginBody,
    LoginUserBody,
    MeBody,
    OtpRequestedBody,
    RefreshedBody,
    RefreshTokenBody,
    RequestOtpBody,
    SessionUserBody,
    VerifyOtpBody,
)
from shopcore.entrypoints.http.security import (
    BEARER_SECURITY,
    CLAIMS,
    client_ip,
    requires_user,
)

TOKEN_ANSWER_HEADERS = [
    ResponseHeader(name="Cache-Control", value="no-store",
                   description="The answer carries tokens: no cache may store it "
                               "(RFC 6749 §5.1)."),
    ResponseHeader(name="Pragma", value="no-cache",
                   description="The same, for HTTP/1.0 caches."),
]
"""Sent with, and documented on, every answer that carries tokens."""


class AuthController(Controller):
    """Log in with a one-time code, then use and renew JWT access tokens."""

    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/request-otp/",
        status_code=HTTP_202_ACCEPTED,
        dependencies={"request_otp": use_case("request_otp")},
        summary="Send a login code to a mobile number",
        responses=problem_responses(400, 413, 415, 422, 429, 502),
    )
    async def request_otp(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RequestOtpBody],
        request_otp: NamedDependency[RequestOtp],
    ) -> OtpRequestedBody:
        """Same answer whether or not the number has an account. Throttled per phone
        (30 s cooldown, a quota in any hour) and per client IP (a quota in any hour)."""
        result = await request_otp(
            RequestOtpCommand(
                phone=data.phone, channel=OtpChannel(data.channel), client_ip=client_ip(request)
            )
        )
        return OtpRequestedBody(
            phone=result.phone.e164, expires_in=result.expires_in, resend_after=result.resend_after
        )

    @post(
        "/verify-otp/",
        status_code=HTTP_200_OK,
        dependencies={"verify_otp": use_case("verify_otp")},
        summary="Verify a login code and receive tokens",
        response_headers=TOKEN_ANSWER_HEADERS,
        responses=problem_responses(400, 413, 415, 422, 429),
    )
    async def verify_otp(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[VerifyOtpBody],
        verify_otp: NamedDependency[VerifyOtp],
    ) -> LoginBody:
        """The user is created on the first successful verification. A wrong code is 400
        ``otp_invalid`` with ``attempts_left`` (4 … 1; the fifth locks the code: 429
        ``otp_locked``); with no code waiting for the phone (never requested, or already
        used to log in) it is 400 ``otp_invalid`` with ``attempts_left`` 0: request a
        new code. Failed verifications are counted per client IP: past
        ``SHOPCORE_OTP_VERIFY_FAILURES_PER_IP`` (default 20) in any 10 minutes, 429
        ``rate_limited`` with ``Retry-After``."""
        result = await verify_otp(VerifyOtpCommand(phone=data.phone, otp=data.otp,
                                                   client_ip=client_ip(request)))
        session, user = result.session, result.session.user
        return LoginBody(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            token_type="Bearer",
            expires_in=session.expires_in,
            user=LoginUserBody(
                id=user.id, phone=user.phone.e164, is_new=result.is_new, is_admin=user.is_admin
            ),
        )

    @post(
        "/refresh/",
        status_code=HTTP_200_OK,
        dependencies={"refresh_session": use_case("refresh_session")},
        summary="Rotate a refresh token",
        response_headers=TOKEN_ANSWER_HEADERS,
        responses=problem_responses(400, 401, 413, 415, 422),
    )
    async def refresh(
        self, data: JSONBody[RefreshTokenBody], refresh_session: NamedDependency[RefreshSession]
    ) -> RefreshedBody:
        """A refresh token works once; presenting it again revokes the whole login: its
        refresh tokens and its access tokens (refused from then on in this process,
        within a second in the others)."""
        session = await refresh_session(RefreshSessionCommand(data.refresh_token))
        user = session.user
        return RefreshedBody(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            token_type="Bearer",
            expires_in=session.expires_in,
            user=SessionUserBody(id=user.id, phone=user.phone.e164, is_admin=user.is_admin),
        )

    @post(
        "/logout/",
        status_code=HTTP_204_NO_CONTENT,
        dependencies={"logout": use_case("logout")},
        summary="End a login",
        responses=problem_responses(400, 413, 415, 422),
    )
    async def logout(
        self, data: JSONBody[RefreshTokenBody], logout: NamedDependency[Logout]
    ) -> None:
        """The refresh token and every token of its login stop working, its access
        tokens included."""
        await logout(LogoutCommand(data.refresh_token))

    @get(
        "/me/",
        guards=[requires_user],
        security=BEARER_SECURITY,
        dependencies={"claims": CLAIMS,
                      "get_current_user": use_case_after_claims("get_current_user")},
        summary="The authenticated user",
        responses=problem_responses(401),
    )
    async def me(
        self,
        claims: NamedDependency[AccessClaims],
        get_current_user: NamedDependency[GetCurrentUser],
    ) -> MeBody:
        """Who the bearer of the access token is."""
        user = await get_current_user(claims.user_id)
        return MeBody(
            id=user.id, phone=user.phone.e164, is_admin=user.is_admin, created_at=user.created_at
        )
