"""A body that is not JSON answers 400 ``bad_request`` whose detail says so in a sentence
of the API's own, with where it went wrong: the same on every route, whether Litestar or
the route decodes the body. msgspec's own text ("Input data was truncated") was passed
through before, and product creation said only "The body is not valid JSON."."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_shopping_api import ALICE, assert_problem

JSON = {"Content-Type": "application/json"}
NOT_JSON = "The request body is not valid JSON: "

CASES = [
    (b"{", "it ends before a complete JSON value."),
    (b'{"phone": "+9198', "it ends before a complete JSON value."),
    (b" ", "it ends before a complete JSON value."),
    (b"\r\n\t ", "it ends before a complete JSON value."),
    (b"NaN", "invalid character at byte 0."),
    (b'{"phone": Infinity}', "invalid character at byte 10."),
    (b'{"phone": "x",}', "trailing comma in object at byte 14."),
    (b'{"phone": "x"} x', "trailing characters at byte 16."),  # msgspec's count
    (b'{"phone" "x"}', "expected ':' at byte 9."),
    (b'{"phone": "\\q"}', "invalid escape character in string at byte 13."),
    (b"\x00", "invalid character at byte 0."),
    (b'{"phone": "\xff"}', "a string is not UTF-8 text."),
]


# Decoding happens before any database work: one engine shows it (one app per test).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_body_that_is_not_json_says_why_and_where(api: Api) -> None:
    for raw, reason in CASES:
        answer = await api.client.post("/api/auth/request-otp/", content=raw, headers=JSON)
        problem = assert_problem(answer, 400, "bad_request")
        assert problem["detail"] == NOT_JSON + reason, raw


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("path", "who"), [
    ("/api/auth/logout/", None), ("/api/cart/add/", "user"), ("/api/order/place/", "user"),
    ("/api/products/add/", "admin"),
])
async def test_every_route_says_it_alike(api: Api, path: str, who: str | None) -> None:
    headers = dict(JSON)
    if who is not None:
        headers |= await (api.login_admin() if who == "admin" else api.login(ALICE))
    for raw, reason in [CASES[0], CASES[2], CASES[4], CASES[10]]:
        answer = await api.client.post(path, content=raw, headers=headers)
        problem = assert_problem(answer, 400, "bad_request")
        assert problem["detail"] == NOT_JSON + reason, raw


async def test_a_number_out_of_range_is_named(api: Api) -> None:
    answer = await api.client.post("/api/auth/request-otp/", content=b'{"phone": 1e999}',
                                   headers=JSON)
    problem = assert_problem(answer, 400, "bad_request")
    assert problem["detail"] == NOT_JSON + "a number is out of range."
    alice = await api.login(ALICE)
    answer = await api.client.post("/api/cart/add/", content=b"[1e999]",
                                   headers={**JSON, **alice})
    problem = assert_problem(answer, 400, "bad_request")
    assert problem["detail"] == NOT_JSON + "a number is out of range at 0."
