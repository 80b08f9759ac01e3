"""Optimistic concurrency on products, through the real app on both engines: every answer
with a product carries its ``ETag``; a change or an archiving sent with ``If-Match`` takes
effect only while the product is still as it was read (else 412 and nothing changes), so
an admin's PATCH never silently undoes an order placed after the admin's read."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Api
from tests.e2e.test_catalog_api import assert_problem, create
from tests.e2e.test_shopping_api import place

Headers = dict[str, str]
BUYER = "+919876543210"


@pytest.fixture
async def admin(api: Api) -> Headers:
    return await api.login_admin()


async def read(api: Api, product_id: int) -> tuple[dict[str, Any], str]:
    """The product's body and ETag as a client reads them."""
    answer = await api.client.get(f"/api/products/{product_id}/")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body, answer.headers["etag"]


async def patch(api: Api, who: Headers, product_id: int, if_match: str | None = None,
                **fields: Any) -> httpx.Response:
    headers = {**who, **({"If-Match": if_match} if if_match is not None else {})}
    return await api.client.patch(f"/api/products/{product_id}/", headers=headers,
                                  json=fields)


async def order(api: Api, buyer: Headers, product_id: int, quantity: int) -> str:
    """``buyer`` orders ``quantity`` units of the product; the order's id."""
    added = await api.client.post("/api/cart/add/", headers=buyer,
                                  json={"product_id": product_id, "quantity": quantity})
    assert added.status_code == 200, added.text
    placed = await place(api, buyer)
    assert placed.status_code == 201, placed.text
    order_id: str = placed.json()["id"]
    return order_id


async def test_every_answer_with_a_product_carries_its_strong_etag(
    api: Api, admin: Headers
) -> None:
    created = await api.client.post("/api/products/add/", headers=admin, json={
        "name": "Smartphone", "price": "19999.00", "category": "mobile", "stock": 12})
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    body, etag = await read(api, product_id)
    assert re.fullmatch(r'"[^"\s]+"', etag) and not etag.startswith("W/")
    assert etag == created.headers["etag"] and body == created.json()
    listed = await api.client.get("/api/products/")
    assert "etag" not in listed.headers  # lists need none


async def test_a_patch_with_the_current_etag_is_made_and_answers_the_next_one(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin)
    _, etag = await read(api, product["id"])
    answer = await patch(api, admin, product["id"], etag, stock=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stock"] == 10 and answer.headers["etag"] != etag
    assert await read(api, product["id"]) == (answer.json(), answer.headers["etag"])

    stale = await patch(api, admin, product["id"], etag, stock=3)  # the tag read before
    problem = assert_problem(stale, 412, "precondition_failed")
    assert problem["title"] == "Precondition Failed"
    assert await read(api, product["id"]) == (answer.json(), answer.headers["etag"])


async def test_an_order_placed_between_read_and_patch_is_not_overwritten(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin, stock=12)
    body, etag = await read(api, product["id"])  # the admin sees 12 (now in the read cache)
    await order(api, await api.login(BUYER), product["id"], 3)  # 9 left
    assert_problem(await patch(api, admin, product["id"], etag, stock=10), 412,
                   "precondition_failed")
    now, fresh = await read(api, product["id"])
    assert (body["stock"], now["stock"]) == (12, 9) and fresh != etag
    answer = await patch(api, admin, product["id"], fresh, stock=10)  # read again: made
    assert answer.status_code == 200 and answer.json()["stock"] == 10


async def test_orders_cancellations_and_reviews_each_change_the_etag(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin, stock=12)
    buyer = await api.login(BUYER)
    seen = [(await read(api, product["id"]))[1]]
    order_id = await order(api, buyer, product["id"], 2)
    seen.append((await read(api, product["id"]))[1])
    reviewed = await api.client.post(f"/api/products/{product['id']}/reviews/", headers=buyer,
                                     json={"rating": 4})
    assert reviewed.status_code == 201, reviewed.text
    seen.append((await read(api, product["id"]))[1])
    cancelled = await api.client.post("/api/order/cancel/", headers=buyer,
                                      json={"order_id": order_id})
    assert cancelled.status_code == 200, cancelled.text
    body, etag = await read(api, product["id"])
    seen.append(etag)
    assert len(set(seen)) == 4 and body["stock"] == 12
    assert_problem(await patch(api, admin, product["id"], seen[0], stock=1), 412,
                   "precondition_failed")


async def test_if_match_star_matches_any_existing_product(api: Api, admin: Headers) -> None:
    product = await create(api, admin)
    await order(api, await api.login(BUYER), product["id"], 1)
    answer = await patch(api, admin, product["id"], "*", name="Phone")
    assert answer.status_code == 200 and answer.json()["name"] == "Phone"
    for method in ("PATCH", "DELETE"):  # unknown: 404, whatever If-Match says
        for if_match in ("*", '"999999-1"'):
            missing = await api.client.request(method, "/api/products/999999/", json={
                "stock": 1} if method == "PATCH" else None,
                headers={**admin, "If-Match": if_match})
            assert_problem(missing, 404, "not_found")


async def test_a_delete_with_a_stale_etag_is_412_and_the_product_stays(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin)
    path = f"/api/products/{product['id']}/"
    _, etag = await read(api, product["id"])
    changed = await patch(api, admin, product["id"], etag, description="Newer")
    assert changed.status_code == 200
    assert_problem(await api.client.delete(path, headers={**admin, "If-Match": etag}), 412,
                   "precondition_failed")
    assert (await read(api, product["id"]))[0] == changed.json()
    gone = await api.client.delete(path, headers={**admin,
                                                  "If-Match": changed.headers["etag"]})
    assert gone.status_code == 204
    assert_problem(await api.client.get(path), 404, "not_found")


async def test_without_if_match_changes_apply_to_whatever_the_product_is(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin, stock=12)
    await order(api, await api.login(BUYER), product["id"], 3)
    answer = await patch(api, admin, product["id"], stock=10)
    assert answer.status_code == 200 and answer.json()["stock"] == 10
    assert (await api.client.delete(f"/api/products/{product['id']}/",
                                    headers=admin)).status_code == 204


@pytest.mark.parametrize("if_match", ['W/"{id}-1"', '"{other}-1"', '"{id}-01"', '"abc"',
                                      '"{id}-2"', '"{other}-1", "{id}-9"',
                                      '"{id}-' + "9" * 5000 + '"', '"' + "9" * 5000 + '-1"',
                                      '"{id}-' + "9" * 19 + '"'])
async def test_tags_that_are_not_the_current_one_never_match(
    api: Api, admin: Headers, if_match: str
) -> None:
    product, other = await create(api, admin), await create(api, admin, name="Other")
    tag = if_match.format(id=product["id"], other=other["id"])
    assert_problem(await patch(api, admin, product["id"], tag, stock=1), 412,
                   "precondition_failed")
    assert (await read(api, product["id"]))[0] == product


@pytest.mark.parametrize("if_match", ["{id}-1", "", '"{id}-1" "{id}-1"', '"{id}-1',
                                      '"{id}-1"; "{id}-1"', "null", "0"])
async def test_a_malformed_if_match_matches_nothing_and_changes_nothing(
    api: Api, admin: Headers, if_match: str
) -> None:
    """A value that holds no entity tag (the current one unquoted, say) is 412, as any
    tag that is not the current one: it can never match."""
    product = await create(api, admin)
    path = f"/api/products/{product['id']}/"
    tag = if_match.format(id=product["id"])
    assert_problem(await patch(api, admin, product["id"], tag, stock=1), 412,
                   "precondition_failed")
    assert_problem(await api.client.delete(path, headers={**admin, "If-Match": tag}), 412,
                   "precondition_failed")
    assert (await read(api, product["id"]))[0] == product


async def test_a_list_holding_the_current_tag_matches(api: Api, admin: Headers) -> None:
    product = await create(api, admin)
    _, first = await read(api, product["id"])
    answer = await patch(api, admin, product["id"], f'"elsewhere", {first}', stock=1)
    assert answer.status_code == 200, answer.text
    current = answer.headers["etag"]
    for separator in (", ", ","):  # an older tag beside the current one, before or after
        tags = separator.join((first, current) if separator == ", " else (current, first))
        answer = await patch(api, admin, product["id"], tags, stock=2)
        assert answer.status_code == 200, answer.text
        current = answer.headers["etag"]
    assert_problem(await patch(api, admin, product["id"], f"{first}, W/{current}", stock=3),
                   412, "precondition_failed")


@pytest.mark.parametrize("at_once", [2, 10])
async def test_of_changes_sent_at_once_with_one_etag_exactly_one_is_made(
    api: Api, admin: Headers, at_once: int
) -> None:
    product = await create(api, admin, stock=12)
    _, etag = await read(api, product["id"])
    answers = await asyncio.gather(*(patch(api, admin, product["id"], etag, stock=n)
                                     for n in range(at_once)))
    assert Counter(a.status_code for a in answers) == {200: 1, 412: at_once - 1}
    (made,) = [a for a in answers if a.status_code == 200]
    for refused in (a for a in answers if a.status_code == 412):
        assert_problem(refused, 412, "precondition_failed")
    assert await read(api, product["id"]) == (made.json(), made.headers["etag"])


async def test_the_openapi_document_describes_etag_if_match_and_412(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    item = paths["/api/products/{product_id}/"]
    for method in ("get", "patch"):
        assert "ETag" in item[method]["responses"]["200"]["headers"], method
    assert "ETag" in paths["/api/products/add/"]["post"]["responses"]["201"]["headers"]
    for method in ("patch", "delete"):
        headers = [p for p in item[method]["parameters"] if p["in"] == "header"]
        assert [(p["name"], p["required"]) for p in headers] == [("If-Match", False)]
        refused = item[method]["responses"]["412"]
        assert "application/problem+json" in refused["content"]
    assert "412" not in item["get"]["responses"]


async def conditional_read(api: Api, product_id: int, *if_none_match: str) -> httpx.Response:
    """A read sending each of ``if_none_match`` as one ``If-None-Match`` header line."""
    return await api.client.get(f"/api/products/{product_id}/",
                                headers=[("If-None-Match", value) for value in if_none_match])


async def test_a_read_naming_the_current_etag_is_304_without_a_body(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin)
    _, etag = await read(api, product["id"])
    for held in ([etag], [f"W/{etag}"], ["*"], [f'"0-1", {etag}'], ['"0-1"', etag]):
        answer = await conditional_read(api, product["id"], *held)
        assert answer.status_code == 304, held
        assert answer.content == b"" and answer.headers["etag"] == etag, held


async def test_a_read_naming_an_older_or_no_valid_etag_answers_the_product(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin)
    _, old = await read(api, product["id"])
    changed = await patch(api, admin, product["id"], stock=3)
    for held in (old, '"0-1"', "17-1", f"{changed.headers['etag']} junk", ""):
        answer = await conditional_read(api, product["id"], held)
        assert answer.status_code == 200, held
        assert (answer.json(), answer.headers["etag"]) == (changed.json(),
                                                           changed.headers["etag"]), held


async def test_a_conditional_read_of_an_unknown_or_archived_product_is_404(
    api: Api, admin: Headers
) -> None:
    product = await create(api, admin)
    _, etag = await read(api, product["id"])
    assert (await api.client.delete(f"/api/products/{product['id']}/",
                                    headers=admin)).status_code == 204
    for product_id, held in ((product["id"], etag), (product["id"], "*"), (999_999, "*")):
        assert_problem(await conditional_read(api, product_id, held), 404, "not_found")


async def test_the_openapi_document_describes_if_none_match_and_304(api: Api) -> None:
    paths = (await api.client.get("/schema/openapi.json")).json()["paths"]
    read_one = paths["/api/products/{product_id}/"]["get"]
    headers = [p for p in read_one["parameters"] if p["in"] == "header"]
    assert [(p["name"], p["required"]) for p in headers] == [("If-None-Match", False)]
    assert "304" in read_one["responses"] and "content" not in read_one["responses"]["304"]
