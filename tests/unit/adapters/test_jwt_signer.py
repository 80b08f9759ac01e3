"""JwtTokenSigner: round trip, expiry by the injected clock, and every forgery refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopcore.adapters.jwt_signer import JwtTokenSigner
from shopcore.application.ports import AccessClaims
from shopcore.domain.errors import TokenExpired, Unauthenticated
from shopcore.domain.phone import Phone
from shopcore.domain.users import User

KEY = "test-secret-" + "k" * 60
OTHER_KEY = "other-secret-" + "o" * 60
START = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
RSA_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwgH38J1tuiX0PN8u/GCu
neqiBL/qwS27fhVPSAuw3c+x3sBMcIFN8wLdvCb+n8wIiYg+ST5SfBnkmtlXWPy8
Jbc+ndlTpKD5bAX1EapIZH2lv8UYfr5dz0qe5A5GttL22TKpkDuI5K8QhPR8jbnI
faa/DbTkYUECvSs38xO01yLStOlMDHUKASjAPuPxlv3EN/db+8V8xdR4VJ5DIptj
PB/28j1ORK4sZAjLs0a/GQcKgPJrYuLcH5GRa3H3t9AqtvG5X6Dsyb+FdzORUPcR
c6KyYIIWqs/Y8yZRTe7t+sMNz3uqiilaMDmsYE/gDzw0FbfxHx1fAQfcMApc0bQl
4wIDAQAB
-----END PUBLIC KEY-----
"""


class FixedClock:
    """A clock that shows ``moment`` until a test moves it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def make_user(*, is_admin: bool = False) -> User:
    return User(id="user-1", phone=Phone("+919876543210"), is_admin=is_admin, created_at=START)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def signer(clock: FixedClock) -> JwtTokenSigner:
    return JwtTokenSigner(KEY, clock)


def valid_claims(**changes: Any) -> dict[str, Any]:
    """The claims the signer would issue at START, with ``changes`` applied (None drops)."""
    issued = int(START.timestamp())
    claims: dict[str, Any] = {
        "sub": "user-1", "iat": issued, "exp": issued + 900, "iss": "shopcore",
        "aud": "shopcore-api", "jti": "0" * 32, "adm": False, "typ": "access",
        "sid": "login-1",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict[str, Any], claims: dict[str, Any], sign: Any) -> str:
    """A token built without PyJWT, signed by ``sign(signing_input) -> bytes``."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def assert_refused(signer: JwtTokenSigner, token: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        signer.verify_access(token)
    assert type(caught.value) is Unauthenticated  # never TokenExpired for a forgery


def test_round_trip(signer: JwtTokenSigner) -> None:
    token = signer.issue_access(make_user(), "login-1")
    assert signer.verify_access(token) == AccessClaims("user-1", False, "login-1")
    admin_token = signer.issue_access(make_user(is_admin=True), "login-1")
    assert signer.verify_access(admin_token) == AccessClaims("user-1", True, "login-1")


def test_issued_claims(signer: JwtTokenSigner) -> None:
    token = signer.issue_access(make_user(), "login-1")
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert set(claims) == {"sub", "iat", "exp", "iss", "aud", "jti", "adm", "typ", "sid"}
    assert claims["sid"] == "login-1"
    assert claims["exp"] - claims["iat"] == signer.access_lifetime_seconds == 900
    assert claims["iat"] == int(START.timestamp())
    assert claims["typ"] == "access"
    assert len(claims["jti"]) == 32
    assert claims["jti"] != jwt.decode(signer.issue_access(make_user(), "login-1"),
                                       options={"verify_signature": False})["jti"]


def test_expired_exactly_at_exp(signer: JwtTokenSigner, clock: FixedClock) -> None:
    token = signer.issue_access(make_user(), "login-1")
    clock.moment = START + timedelta(seconds=899)
    assert signer.verify_access(token).user_id == "user-1"
    clock.moment = START + timedelta(seconds=900)
    with pytest.raises(TokenExpired):
        signer.verify_access(token)


@pytest.mark.parametrize("moment", [datetime(2001, 1, 1, tzinfo=UTC),
                                    datetime(2100, 1, 1, tzinfo=UTC)])
def test_time_comes_from_the_clock_not_the_machine(moment: datetime) -> None:
    signer = JwtTokenSigner(KEY, FixedClock(moment))
    assert signer.verify_access(signer.issue_access(make_user(), "login-1")).user_id == "user-1"


def test_custom_lifetime(clock: FixedClock) -> None:
    signer = JwtTokenSigner(KEY, clock, access_lifetime_seconds=60)
    token = signer.issue_access(make_user(), "login-1")
    clock.moment = START + timedelta(seconds=60)
    with pytest.raises(TokenExpired):
        signer.verify_access(token)


def test_expired_forgery_is_not_reported_as_expired(signer: JwtTokenSigner,
                                                    clock: FixedClock) -> None:
    clock.moment = START + timedelta(days=1)
    assert_refused(signer, jwt.encode(valid_claims(), OTHER_KEY, algorithm="HS256"))


def test_alg_none(signer: JwtTokenSigner) -> None:
    assert_refused(signer, jwt.encode(valid_claims(), None, algorithm="none"))
    assert_refused(signer, hand_made({"alg": "none", "typ": "JWT"}, valid_claims(),
                                     lambda _: b""))
    assert_refused(signer, hand_made({"alg": "None"}, valid_claims(), lambda _: b""))


def test_other_key(signer: JwtTokenSigner, clock: FixedClock) -> None:
    other = JwtTokenSigner(OTHER_KEY, clock)
    assert_refused(signer, other.issue_access(make_user(), "login-1"))


def test_other_hmac_algorithm_with_the_right_key(signer: JwtTokenSigner) -> None:
    assert_refused(signer, jwt.encode(valid_claims(), KEY, algorithm="HS512"))


def test_hs256_signed_with_an_rsa_public_key(signer: JwtTokenSigner) -> None:
    """Key confusion: an HS256 MAC keyed with a public RSA key must not pass."""
    token = hand_made({"alg": "HS256", "typ": "JWT"}, valid_claims(),
                      lambda data: hmac.new(RSA_PUBLIC_PEM.encode(), data,
                                            hashlib.sha256).digest())
    assert_refused(signer, token)


def test_rs256_token(signer: JwtTokenSigner) -> None:
    token = hand_made({"alg": "RS256", "typ": "JWT"}, valid_claims(), lambda _: bytes(256))
    assert_refused(signer, token)


def test_tampered_payload(signer: JwtTokenSigner) -> None:
    header, _, signature = signer.issue_access(make_user(), "login-1").split(".")
    forged_claims = b64(json.dumps(valid_claims(adm=True)).encode())
    assert_refused(signer, f"{header}.{forged_claims}.{signature}")


def test_tampered_signature(signer: JwtTokenSigner) -> None:
    token = signer.issue_access(make_user(), "login-1")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert_refused(signer, flipped)
    assert_refused(signer, token.rsplit(".", 1)[0] + ".")


@pytest.mark.parametrize("changes", [
    {"iss": "someone-else"},
    {"aud": "other-api"},
    {"aud": ["shopcore-api", "other-api"]},
    {"typ": "refresh"},
    {"sub": 42},
    {"sub": ""},
    {"adm": "true"},
    {"adm": 1},
    {"jti": 7},
    {"sid": ""},
    {"sid": 7},
    {"exp": "tomorrow"},
    {"exp": 10**400},
    {"iat": "now"},
], ids=repr)
def test_wrong_claims(signer: JwtTokenSigner, changes: dict[str, Any]) -> None:
    assert_refused(signer, jwt.encode(valid_claims(**changes), KEY, algorithm="HS256"))


@pytest.mark.parametrize("claim",
                         ["sub", "iat", "exp", "iss", "aud", "jti", "adm", "typ", "sid"])
def test_missing_claim(signer: JwtTokenSigner, claim: str) -> None:
    claims = valid_claims()
    del claims[claim]
    assert_refused(signer, jwt.encode(claims, KEY, algorithm="HS256"))


def test_not_before_in_the_future(signer: JwtTokenSigner, clock: FixedClock) -> None:
    nbf = int(START.timestamp()) + 100
    token = jwt.encode(valid_claims(nbf=nbf), KEY, algorithm="HS256")
    assert_refused(signer, token)
    clock.moment = START + timedelta(seconds=100)
    assert signer.verify_access(token).user_id == "user-1"


def test_issued_in_the_future(signer: JwtTokenSigner) -> None:
    now = int(START.timestamp())
    soon = jwt.encode(valid_claims(iat=now + 30), KEY, algorithm="HS256")
    assert signer.verify_access(soon).user_id == "user-1"  # small clock skew is fine
    later = jwt.encode(valid_claims(iat=now + 61, exp=now + 961), KEY, algorithm="HS256")
    assert_refused(signer, later)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "..", "x" * 5000,
                                   "eyJhbGciOiJIUzI1NiJ9.W10.sig"])
def test_garbage(signer: JwtTokenSigner, token: str) -> None:
    assert_refused(signer, token)


@given(st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_\-]{0,60}(\.[A-Za-z0-9_\-]{0,60}){2}"))
def test_any_text_is_refused_cleanly(token: str) -> None:
    signer = JwtTokenSigner(KEY, FixedClock(START))
    with pytest.raises(Unauthenticated):
        signer.verify_access(token)


def test_short_key_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        JwtTokenSigner("short", FixedClock(START))


def test_bytes_key(clock: FixedClock) -> None:
    signer = JwtTokenSigner(KEY.encode(), clock)
    assert JwtTokenSigner(KEY, clock).verify_access(signer.issue_access(make_user(), "login-1"))


def test_a_remembered_token_still_expires_and_its_altered_copies_are_refused(
    signer: JwtTokenSigner, clock: FixedClock
) -> None:
    token = signer.issue_access(make_user(), "login-1")
    assert signer.verify_access(token) == signer.verify_access(token)  # second: remembered
    header, payload, signature = token.split(".")
    forged = ".".join([header, b64(json.dumps(valid_claims(adm=True)).encode()), signature])
    with pytest.raises(Unauthenticated):
        signer.verify_access(forged)
    with pytest.raises(Unauthenticated):
        JwtTokenSigner(OTHER_KEY, clock).verify_access(token)  # per signer, per key
    clock.moment = START + timedelta(seconds=900)
    with pytest.raises(TokenExpired):
        signer.verify_access(token)


def test_the_remembered_tokens_are_bounded(signer: JwtTokenSigner, clock: FixedClock) -> None:
    from shopcore.adapters import jwt_signer

    for number in range(jwt_signer.VERIFIED_CACHE_SIZE + 5):
        clock.moment = START + timedelta(microseconds=number)
        signer.verify_access(signer.issue_access(make_user(), "login-1"))
    assert len(signer._verified) <= jwt_signer.VERIFIED_CACHE_SIZE
