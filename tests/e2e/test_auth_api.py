"""The auth routes and the error format, through the real app."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import TEST_CODE, TEST_NUMBER, Api

PHONE = "+919876543210"


def assert_problem(answer: object, status: int, code: str) -> dict[str, object]:
    body = answer.json()  # type: ignore[attr-defined]
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["code"] == code and body["status"] == status
    return body  # type: ignore[no-any-return]


async def test_request_otp_accepts_common_notations_and_answers_202(api: Api) -> None:
    answer = await api.client.post(
        "/api/auth/request-otp/", json={"phone": "+91 98765 43210", "channel": "sms"}
    )
    assert answer.status_code == 202
    assert answer.json() == {"phone": PHONE, "expires_in": 300, "resend_after": 30}
    assert api.otp.sent[-1].channel.value == "sms"


async def test_full_login_then_me(api: Api) -> None:
    await api.client.post("/api/auth/request-otp/", json={"phone": "09876543210"})
    answer = await api.client.post(
        "/api/auth/verify-otp/", json={"phone": PHONE, "otp": api.otp.last_code(PHONE)}
    )
    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"]["phone"] == PHONE and body["user"]["is_new"] is True
    assert body["user"]["is_admin"] is False and isinstance(body["user"]["id"], str)
    me = await api.client.get(
        "/api/auth/me/", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"] and me.json()["created_at"].endswith("Z")
    assert me.headers["cache-control"] == "no-store"


async def test_wrong_code_gives_attempts_left_then_locks(api: Api) -> None:
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    code = api.otp.last_code(PHONE)
    bad = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        answer = await api.client.post("/api/auth/verify-otp/", json={"phone": PHONE, "otp": bad})
        assert assert_problem(answer, 400, "otp_invalid")["attempts_left"] == left
    answer = await api.client.post("/api/auth/verify-otp/", json={"phone": PHONE, "otp": bad})
    assert_problem(answer, 429, "otp_locked")
    answer = await api.client.post("/api/auth/verify-otp/", json={"phone": PHONE, "otp": code})
    assert_problem(answer, 429, "otp_locked")


async def test_resend_inside_cooldown_is_429_with_retry_after(api: Api) -> None:
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    answer = await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    assert_problem(answer, 429, "rate_limited")
    assert 1 <= int(answer.headers["retry-after"]) <= 30


async def test_delivery_failure_is_502_and_the_number_can_retry(api: Api) -> None:
    api.otp.failing = True
    answer = await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    assert_problem(answer, 502, "otp_delivery_failed")
    api.otp.failing = False
    answer = await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    assert answer.status_code == 202


async def test_test_number_logs_in_with_its_fixed_code(api: Api) -> None:
    await api.client.post("/api/auth/request-otp/", json={"phone": TEST_NUMBER})
    answer = await api.client.post(
        "/api/auth/verify-otp/", json={"phone": TEST_NUMBER, "otp": TEST_CODE}
    )
    assert answer.status_code == 200 and api.otp.sent == []


async def test_refresh_rotates_and_reuse_revokes(api: Api) -> None:
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    login = (
        await api.client.post(
            "/api/auth/verify-otp/", json={"phone": PHONE, "otp": api.otp.last_code(PHONE)}
        )
    ).json()
    answer = await api.client.post(
        "/api/auth/refresh/", json={"refresh_token": login["refresh_token"]}
    )
    assert answer.status_code == 200 and "is_new" not in answer.json()["user"]
    rotated = answer.json()["refresh_token"]
    reuse = await api.client.post(
        "/api/auth/refresh/", json={"refresh_token": login["refresh_token"]}
    )
    assert_problem(reuse, 401, "unauthorized")
    after = await api.client.post("/api/auth/refresh/", json={"refresh_token": rotated})
    assert_problem(after, 401, "unauthorized")
    # every token of that login: its access tokens too, before they expire
    for access in (login["access_token"], answer.json()["access_token"]):
        me = await api.client.get("/api/auth/me/", headers={"Authorization": f"Bearer {access}"})
        assert_problem(me, 401, "unauthorized")


async def test_ending_one_login_leaves_the_other_logins(api: Api) -> None:
    kept = await api.login("+919812345678")
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    login = (await api.client.post(
        "/api/auth/verify-otp/", json={"phone": PHONE, "otp": api.otp.last_code(PHONE)})).json()
    await api.client.post("/api/auth/logout/", json={"refresh_token": login["refresh_token"]})
    ended = {"Authorization": f"Bearer {login['access_token']}"}
    assert_problem(await api.client.get("/api/auth/me/", headers=ended), 401, "unauthorized")
    assert (await api.client.get("/api/auth/me/", headers=kept)).status_code == 200


async def test_logout_is_204_and_ends_the_login(api: Api) -> None:
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    login = (
        await api.client.post(
            "/api/auth/verify-otp/", json={"phone": PHONE, "otp": api.otp.last_code(PHONE)}
        )
    ).json()
    answer = await api.client.post(
        "/api/auth/logout/", json={"refresh_token": login["refresh_token"]}
    )
    assert answer.status_code == 204
    after = await api.client.post(
        "/api/auth/refresh/", json={"refresh_token": login["refresh_token"]}
    )
    assert_problem(after, 401, "unauthorized")
    me = await api.client.get(
        "/api/auth/me/", headers={"Authorization": f"Bearer {login['access_token']}"})
    assert_problem(me, 401, "unauthorized")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic abc",
        "Bearer",
        "Bearer not.a.jwt",
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.",
    ],
)
async def test_bad_bearers_are_401_unauthorized(api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = await api.client.get("/api/auth/me/", headers=headers)
    assert_problem(answer, 401, "unauthorized")


async def test_every_route_documented_with_bearer_security_needs_a_token(api: Api) -> None:
    """Guards are set per route (write routes take one guard that also counts the
    write), so a route added without one must not slip through."""
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    secured = [(method, path.replace("{product_id}", "1").replace("{order_id}", "abc"))
               for path, item in paths.items() for method, operation in item.items()
               if operation.get("security")]
    assert len(secured) >= 19
    for method, path in secured:
        answer = await api.client.request(method, path, json={})
        assert_problem(answer, 401, "unauthorized")


async def test_a_refresh_token_is_not_an_access_token(api: Api) -> None:
    await api.client.post("/api/auth/request-otp/", json={"phone": PHONE})
    login = (
        await api.client.post(
            "/api/auth/verify-otp/", json={"phone": PHONE, "otp": api.otp.last_code(PHONE)}
        )
    ).json()
    answer = await api.client.get(
        "/api/auth/me/", headers={"Authorization": f"Bearer {login['refresh_token']}"}
    )
    assert_problem(answer, 401, "unauthorized")


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "12345"},
        {"phone": PHONE, "channel": "pigeon"},
        {"phone": PHONE, "role": "admin"},
        {},
        {"phone": 9876543210},
        {"phone": "x" * 100},
    ],
)
async def test_bad_request_otp_bodies_are_422_naming_the_field(api: Api, body: object) -> None:
    answer = await api.client.post("/api/auth/request-otp/", json=body)
    problem = assert_problem(answer, 422, "validation_error")
    assert problem["errors"] and all("field" in e for e in problem["errors"])  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", [b"{", b"", b"NaN", b'{"phone": Infinity}', b"[" * 5000])
async def test_malformed_json_is_a_4xx_problem(api: Api, raw: bytes) -> None:
    answer = await api.client.post(
        "/api/auth/request-otp/", content=raw, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_unknown_route_is_404_and_wrong_method_405(api: Api) -> None:
    assert_problem(await api.client.get("/api/nowhere/"), 404, "not_found")
    assert_problem(await api.client.get("/api/auth/request-otp/"), 405, "method_not_allowed")


async def test_body_over_one_mebibyte_is_413(api: Api) -> None:
    answer = await api.client.post(
        "/api/auth/request-otp/",
        content=b"{" + b" " * (1024 * 1024 + 10),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(answer, 413, "payload_too_large")


async def test_health_probes(api: Api) -> None:
    assert (await api.client.get("/health/live")).status_code == 200
    ready = await api.client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["database"] == "up"


async def test_every_answer_carries_a_request_id_and_security_headers(api: Api) -> None:
    answer = await api.client.get("/health/live")
    assert len(answer.headers["x-request-id"]) >= 8
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def cors_headers(answer: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.startswith("access-control-")}


PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


async def test_cors_echoes_an_allowed_origin_only(api: Api) -> None:
    allowed = await api.client.get("/health/live", headers={"Origin": "https://shop.example"})
    other = await api.client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-origin" not in other.headers
    assert cors_headers(other) == {}  # no CORS header at all (found by an audit)
    assert allowed.headers["vary"] == other.headers["vary"] == "Origin"


@pytest.mark.parametrize("path", ["/api/cart/", "/api/nowhere/"])
async def test_an_allowed_origin_reads_the_errors_too(api: Api, path: str) -> None:
    answer = await api.client.get(path, headers={"Origin": "https://shop.example"})
    assert answer.status_code in (401, 404)
    assert cors_headers(answer) == {
        "access-control-allow-origin": "https://shop.example",
        "access-control-expose-headers": "etag, retry-after, x-request-id"}


async def test_a_preflight_from_an_allowed_origin_is_told_what_the_api_takes(
    api: Api,
) -> None:
    answer = await api.client.options(
        "/api/cart/add/", headers={"Origin": "https://shop.example", **PREFLIGHT})
    assert answer.status_code == 204
    assert cors_headers(answer) == {
        "access-control-allow-origin": "https://shop.example",
        "access-control-allow-methods": "DELETE, GET, PATCH, POST",
        "access-control-allow-headers": "authorization, content-type, idempotency-key, "
                                        "if-match",
        "access-control-max-age": "600"}


async def test_a_preflight_from_another_origin_gets_no_cors_header(api: Api) -> None:
    answer = await api.client.options(
        "/api/cart/add/", headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert answer.status_code == 204  # the browser refuses: nothing allows the origin
    assert cors_headers(answer) == {}
    assert answer.headers["allow"] == "OPTIONS, POST"


async def test_openapi_document_lists_the_auth_routes_with_bearer_security(api: Api) -> None:
    doc = (await api.client.get("/schema/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    assert {
        "/api/auth/request-otp/",
        "/api/auth/verify-otp/",
        "/api/auth/refresh/",
        "/api/auth/logout/",
        "/api/auth/me/",
    } <= doc["paths"].keys()
    assert doc["paths"]["/api/auth/me/"]["get"]["security"] == [{"BearerToken": []}]
