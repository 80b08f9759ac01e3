"""The catalog routes through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import struct
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from tests.e2e.conftest import Api
from tests.support import insert_order

JsonDict = dict[str, Any]


def assert_problem(answer: httpx.Response, status: int, code: str) -> JsonDict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: JsonDict = answer.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys()
    assert body["code"] == code and body["status"] == status
    return body


def fields_of(problem: JsonDict) -> set[str]:
    return {error["field"] for error in problem["errors"]}


def png(width: int = 640, height: int = 480, color: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def png_header_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


PRODUCT = {"name": "Smartphone", "description": "Latest Android device",
           "price": "19999.00", "category": "Mobile", "stock": 12}


async def create(api: Api, admin: dict[str, str], **fields: Any) -> JsonDict:
    answer = await api.client.post("/api/products/add/", headers=admin,
                                    json={**PRODUCT, **fields})
    assert answer.status_code == 201, answer.text
    body: JsonDict = answer.json()
    return body


async def upload(api: Api, admin: dict[str, str], image: bytes, filename: str = "photo.png",
                 content_type: str = "image/png", **fields: Any) -> httpx.Response:
    data = {k: str(v) for k, v in {**PRODUCT, **fields}.items()}
    return await api.client.post("/api/products/add/", headers=admin, data=data,
                                 files={"image": (filename, image, content_type)})


async def listing(api: Api, query: str = "") -> JsonDict:
    answer = await api.client.get(f"/api/products/{query}")
    assert answer.status_code == 200, answer.text
    body: JsonDict = answer.json()
    return body


async def search(api: Api, q: str, **params: Any) -> list[str]:
    answer = await api.client.get("/api/products/search/", params={"q": q, **params})
    assert answer.status_code == 200, answer.text
    return [product["name"] for product in answer.json()["results"]]


@pytest.fixture
async def admin(api: Api) -> dict[str, str]:
    return await api.login_admin()


# creating, changing, archiving


async def test_an_admin_creates_a_product_from_json(api: Api, admin: dict[str, str]) -> None:
    product = await create(api, admin)
    assert product == {
        "id": product["id"], "name": "Smartphone", "description": "Latest Android device",
        "price": "19999.00", "currency": "INR", "category": "mobile", "stock": 12,
        "in_stock": True, "image_url": None, "thumbnail_url": None,
        "rating": {"average": None, "count": 0},
        "created_at": product["created_at"], "updated_at": product["created_at"]}
    assert product["created_at"].endswith("Z")
    shown = await api.client.get(f"/api/products/{product['id']}/")
    assert shown.status_code == 200 and shown.json() == product


async def test_a_json_number_price_keeps_its_exact_decimals(
    api: Api, admin: dict[str, str]
) -> None:
    assert (await create(api, admin, price=199.99))["price"] == "199.99"
    assert (await create(api, admin, price=5))["price"] == "5.00"
    assert (await create(api, admin, price=99999999.99))["price"] == "99999999.99"


@pytest.mark.parametrize("price", [
    '"199.999"', "1.999", "-1", '"-0.01"', '"NaN"', '"Infinity"', '"100000000.00"', "1e999",
    "100000000", '"abc"', "true", "null", '""', "[]",
])
async def test_a_bad_price_is_422_naming_the_price(
    api: Api, admin: dict[str, str], price: str
) -> None:
    body = '{"name": "Phone", "category": "mobile", "price": ' + price + "}"
    answer = await api.client.post("/api/products/add/", content=body.encode(),
                                   headers={**admin, "content-type": "application/json"})
    assert fields_of(assert_problem(answer, 422, "validation_error")) == {"price"}


async def test_every_bad_field_is_named(api: Api, admin: dict[str, str]) -> None:
    answer = await api.client.post("/api/products/add/", headers=admin, json={
        "name": "", "price": "1", "category": "x" * 101, "description": "d" * 5001,
        "stock": -1})
    problem = assert_problem(answer, 422, "validation_error")
    assert fields_of(problem) == {"name", "category", "description", "stock"}


@pytest.mark.parametrize("extra", [
    {"id": 99}, {"archived": True}, {"rating_count": 5}, {"image_url": "/media/x.png"},
    {"created_at": "2020-01-01T00:00:00Z"}, {"currency": "USD"},
])
async def test_unknown_body_fields_are_refused(
    api: Api, admin: dict[str, str], extra: JsonDict
) -> None:
    answer = await api.client.post("/api/products/add/", headers=admin, json={**PRODUCT, **extra})
    problem = assert_problem(answer, 422, "validation_error")
    assert fields_of(problem) == set(extra)
    assert (await listing(api))["count"] == 0


@pytest.mark.parametrize(("body", "status"), [
    (b"", 400), (b"{", 400), (b'{"price": NaN}', 400), (b"[]", 422), (b'"x"', 422),
])
async def test_malformed_json_is_a_client_error(
    api: Api, admin: dict[str, str], body: bytes, status: int
) -> None:
    answer = await api.client.post("/api/products/add/", content=body,
                                   headers={**admin, "content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_other_content_types_are_415(api: Api, admin: dict[str, str]) -> None:
    answer = await api.client.post("/api/products/add/", content=b"name=x",
                                   headers={**admin, "content-type": "text/plain"})
    assert_problem(answer, 415, "unsupported_media")


async def test_a_json_body_above_1_mib_is_413(api: Api, admin: dict[str, str]) -> None:
    body = {**PRODUCT, "description": "x" * (1024 * 1024 + 10)}
    answer = await api.client.post("/api/products/add/", headers=admin, json=body)
    assert_problem(answer, 413, "payload_too_large")


async def test_creating_needs_an_admin(api: Api) -> None:
    answer = await api.client.post("/api/products/add/", json=PRODUCT)
    assert_problem(answer, 401, "unauthorized")
    user = await api.login()
    answer = await api.client.post("/api/products/add/", headers=user, json=PRODUCT)
    assert_problem(answer, 403, "forbidden")
    answer = await api.client.post("/api/products/add/", data={"name": "x"},
                                   files={"image": ("a.png", png(), "image/png")})
    assert_problem(answer, 401, "unauthorized")
    assert (await listing(api))["count"] == 0


async def test_patch_changes_the_given_fields_only(api: Api, admin: dict[str, str]) -> None:
    product = await create(api, admin)
    answer = await api.client.patch(f"/api/products/{product['id']}/", headers=admin,
                                    json={"price": 10.5, "stock": 0, "category": "Phones"})
    changed = answer.json()
    assert answer.status_code == 200, answer.text
    assert (changed["price"], changed["stock"], changed["in_stock"], changed["category"]) == (
        "10.50", 0, False, "phones")
    assert changed["name"] == product["name"] and changed["created_at"] == product["created_at"]
    assert changed["updated_at"] >= product["updated_at"]
    assert (await api.client.get(f"/api/products/{product['id']}/")).json() == changed


@pytest.mark.parametrize(("body", "field"), [
    ({"stock": "many"}, "stock"), ({"name": None}, "name"), ({"price": "1.001"}, "price"),
    ({"stock": -5}, "stock"), ({"rating_count": 9}, "rating_count"), ({"id": 4}, "id"),
    ({"archived": False}, "archived"),
])
async def test_a_bad_patch_is_422_and_changes_nothing(
    api: Api, admin: dict[str, str], body: JsonDict, field: str
) -> None:
    product = await create(api, admin)
    answer = await api.client.patch(f"/api/products/{product['id']}/", headers=admin, json=body)
    assert field in fields_of(assert_problem(answer, 422, "validation_error"))
    assert (await api.client.get(f"/api/products/{product['id']}/")).json() == product


async def test_delete_archives_and_hides_the_product(api: Api, admin: dict[str, str]) -> None:
    product = await create(api, admin)
    path = f"/api/products/{product['id']}/"
    answer = await api.client.delete(path, headers=admin)
    assert answer.status_code == 204 and answer.content == b""
    assert_problem(await api.client.get(path), 404, "not_found")
    assert_problem(await api.client.patch(path, headers=admin, json={"stock": 1}), 404,
                   "not_found")
    assert_problem(await api.client.delete(path, headers=admin), 404, "not_found")
    assert (await listing(api))["count"] == 0


async def test_changing_and_archiving_need_an_admin(api: Api, admin: dict[str, str]) -> None:
    product = await create(api, admin)
    path = f"/api/products/{product['id']}/"
    user = await api.login()
    assert_problem(await api.client.patch(path, json={"stock": 1}), 401, "unauthorized")
    assert_problem(await api.client.patch(path, headers=user, json={"stock": 1}), 403,
                   "forbidden")
    assert_problem(await api.client.delete(path), 401, "unauthorized")
    assert_problem(await api.client.delete(path, headers=user), 403, "forbidden")
    assert (await api.client.get(path)).json() == product


@pytest.mark.parametrize("product_id", ["0", "999", "2147483648", "9223372036854775808",
                                        "99999999999999999999999999", "-1"])
async def test_unknown_and_out_of_range_ids_are_404(
    api: Api, admin: dict[str, str], product_id: str
) -> None:
    path = f"/api/products/{product_id}/"
    assert_problem(await api.client.get(path), 404, "not_found")
    assert_problem(await api.client.patch(path, headers=admin, json={"stock": 1}), 404,
                   "not_found")
    assert_problem(await api.client.delete(path, headers=admin), 404, "not_found")


async def test_a_non_numeric_id_is_not_a_route(api: Api) -> None:
    assert_problem(await api.client.get("/api/products/abc/"), 404, "not_found")


# images


async def test_multipart_creation_stores_a_reencoded_image_and_a_thumbnail(
    api: Api, admin: dict[str, str]
) -> None:
    answer = await upload(api, admin, png(1200, 900), stock=3)
    product = answer.json()
    assert answer.status_code == 201, answer.text
    assert (product["stock"], product["price"]) == (3, "19999.00")
    assert product["image_url"].startswith("/media/products/")
    image = await api.client.get(product["image_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert "public" in image.headers["cache-control"]
    assert Image.open(io.BytesIO(image.content)).size == (1200, 900)
    thumbnail = await api.client.get(product["thumbnail_url"])
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) == 400
    media = api.container.settings().media_dir
    assert (media / product["image_url"].removeprefix("/media/")).is_file()


@pytest.mark.parametrize("image", [None, ("", b"", "application/octet-stream")])
async def test_multipart_without_an_image_works_like_json(
    api: Api, admin: dict[str, str], image: tuple[str, bytes, str] | None
) -> None:
    parts: dict[str, Any] = {k: (None, str(v)) for k, v in PRODUCT.items()}
    if image is not None:  # a form's file input left empty
        parts["image"] = image
    answer = await api.client.post("/api/products/add/", headers=admin, files=parts)
    assert answer.status_code == 201, answer.text
    assert answer.json()["image_url"] is None and answer.json()["stock"] == 12


async def test_multipart_fields_are_checked_like_json(api: Api, admin: dict[str, str]) -> None:
    answer = await upload(api, admin, png(), price="1.999", stock="many", role="admin")
    assert fields_of(assert_problem(answer, 422, "validation_error")) == {"role"}
    answer = await upload(api, admin, png(), price="1.999", stock="many")
    assert fields_of(assert_problem(answer, 422, "validation_error")) == {"price", "stock"}
    # digits of other scripts and digit grouping are not the decimal notation asked for
    answer = await upload(api, admin, png(), price="1_000", stock="\u0663")
    assert fields_of(assert_problem(answer, 422, "validation_error")) == {"price", "stock"}
    media = api.container.settings().media_dir
    assert not media.exists() or not any(media.rglob("*.png"))


@pytest.mark.parametrize(("content", "filename"), [
    (b"just some text, honestly", "photo.png"),
    (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
     b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "anim.gif"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png"),
    (b"", "empty.png"),
])
async def test_files_that_are_not_jpeg_png_or_webp_are_415(
    api: Api, admin: dict[str, str], content: bytes, filename: str
) -> None:
    assert_problem(await upload(api, admin, content, filename), 415, "unsupported_media")
    assert (await listing(api))["count"] == 0


async def test_an_image_above_the_byte_limit_is_413(api: Api, admin: dict[str, str]) -> None:
    limit = api.container.settings().max_image_bytes
    just_over = png() + b"\x00" * (limit + 1 - len(png()))  # within the multipart slack
    assert_problem(await upload(api, admin, just_over), 413, "payload_too_large")
    far_over = b"\x00" * (limit * 2)  # refused by the body limit while streaming
    assert_problem(await upload(api, admin, far_over), 413, "payload_too_large")
    assert (await listing(api))["count"] == 0


async def test_a_decompression_bomb_is_refused_quickly_and_the_server_stays_up(
    api: Api, admin: dict[str, str]
) -> None:
    started = time.monotonic()
    answer = await upload(api, admin, png_header_bomb())
    assert answer.status_code in (413, 415, 422), answer.text
    assert time.monotonic() - started < 5
    assert (await api.client.get("/health/live")).status_code == 200
    assert (await listing(api))["count"] == 0


async def test_media_serves_only_files_inside_the_media_folder(
    api: Api, admin: dict[str, str]
) -> None:
    product = (await upload(api, admin, png())).json()
    media = api.container.settings().media_dir
    (media.parent / "secret.png").write_bytes(png())
    (media / "notes.txt").write_text("not an image")
    assert (await api.client.get(product["image_url"])).status_code == 200
    for path in ["/media/../secret.png", "/media/..%2Fsecret.png", "/media/%2e%2e/secret.png",
                 "/media/products/..%2F..%2Fsecret.png", "/media/products/%2e%2e%2f..%2fsecret.png",
                 "/media//etc/passwd", "/media/%2Fetc%2Fpasswd", "/media/notes.txt",
                 "/media/products/", "/media/products/missing.png", "/media/.hidden.png",
                 "/media/products/x%00.png", "/media/products/" + "a" * 5000 + ".png",
                 "/media/" + "a/" * 3000 + "x.png"]:
        answer = await api.client.get(path)
        assert answer.status_code in (400, 404), (path, answer.status_code)
        assert answer.headers["content-type"].startswith("application/problem+json"), path


# lists


async def test_the_list_is_newest_first_and_ties_go_by_id(api: Api, admin: dict[str, str]) -> None:
    ids = [(await create(api, admin, name=f"p{n}", price="10.00"))["id"] for n in range(3)]
    assert [p["id"] for p in (await listing(api))["results"]] == list(reversed(ids))
    for ordering in ("price", "-price"):
        found = (await listing(api, f"?ordering={ordering}"))["results"]
        assert [p["id"] for p in found] == ids


async def test_orderings_sort_by_their_field(api: Api, admin: dict[str, str]) -> None:
    for name, price in (("banana", "3.00"), ("Apple", "2.00"), ("cherry", "1.00")):
        await create(api, admin, name=name, price=price)

    async def names(ordering: str) -> list[str]:
        return [p["name"] for p in (await listing(api, f"?ordering={ordering}"))["results"]]

    assert await names("name") == ["Apple", "banana", "cherry"]
    assert await names("-name") == ["cherry", "banana", "Apple"]
    assert await names("price") == ["cherry", "Apple", "banana"]
    assert await names("-price") == ["banana", "Apple", "cherry"]
    assert await names("created_at") == ["banana", "Apple", "cherry"]
    assert await names("-created_at") == ["cherry", "Apple", "banana"]


async def test_filters_combine_with_inclusive_price_bounds(
    api: Api, admin: dict[str, str]
) -> None:
    await create(api, admin, name="low", price="10.00", category="toys")
    await create(api, admin, name="mid", price="15.50", category="Toys", stock=0)
    await create(api, admin, name="high", price="20.00", category="toys")
    await create(api, admin, name="other", price="15.00", category="books")

    async def names(query: str) -> list[str]:
        found = (await listing(api, f"?ordering=price&{query}"))["results"]
        return [p["name"] for p in found]

    assert await names("min_price=10&max_price=20.00&category=TOYS") == ["low", "mid", "high"]
    assert await names("min_price=10.01&max_price=19.99") == ["other", "mid"]
    assert await names("in_stock=false") == ["mid"]
    assert await names("in_stock=true&category=toys") == ["low", "high"]
    assert await names("category=garden") == []


@pytest.mark.parametrize(("query", "fields"), [
    ("page=0", {"page"}), ("page_size=101", {"page_size"}), ("page_size=0", {"page_size"}),
    ("page=abc", {"page"}), ("page=99999999999999999999", {"page"}),
    ("ordering=stock", {"ordering"}), ("ordering=-id", {"ordering"}),
    ("in_stock=maybe", {"in_stock"}), ("min_price=1.001", {"min_price"}),
    ("max_price=-1", {"max_price"}), ("min_price=NaN", {"min_price"}),
    ("max_price=abc", {"max_price"}), ("min_price=100000000", {"min_price"}),
    ("min_price=1_000", {"min_price"}), ("max_price=%D9%A1%D9%A0", {"max_price"}),
    ("category=" + "c" * 101, {"category"}),
    ("page=0&min_price=x", {"page", "min_price"}),
])
async def test_bad_list_parameters_are_422_naming_them(
    api: Api, query: str, fields: set[str]
) -> None:
    problem = assert_problem(await api.client.get(f"/api/products/?{query}"), 422,
                             "validation_error")
    assert fields <= fields_of(problem)


async def test_next_and_previous_links_keep_the_filters(api: Api, admin: dict[str, str]) -> None:
    for number in range(3):
        await create(api, admin, name=f"t{number}", category="toys")
    await create(api, admin, name="elsewhere", category="books")
    first = await listing(api, "?category=toys&page_size=1&ordering=name")
    assert first["count"] == 3 and first["previous"] is None
    assert [p["name"] for p in first["results"]] == ["t0"]
    second_url = urlsplit(first["next"])
    assert second_url.path == "/api/products/"  # the contract's path, trailing slash kept
    assert parse_qs(second_url.query) == {"category": ["toys"], "page_size": ["1"],
                                          "ordering": ["name"], "page": ["2"]}
    second = (await api.client.get(f"{second_url.path}?{second_url.query}")).json()
    assert [p["name"] for p in second["results"]] == ["t1"]
    assert parse_qs(urlsplit(second["previous"]).query)["category"] == ["toys"]
    last = (await api.client.get(urlsplit(second["next"]).path + "?"
                                 + urlsplit(second["next"]).query)).json()
    assert last["next"] is None and [p["name"] for p in last["results"]] == ["t2"]


async def test_a_page_past_the_end_is_empty_with_the_count(
    api: Api, admin: dict[str, str]
) -> None:
    await create(api, admin)
    page = await listing(api, "?page=5")
    assert page["results"] == [] and page["count"] == 1 and page["next"] is None


# search


async def test_search_is_prefix_aware_and_case_insensitive(
    api: Api, admin: dict[str, str]
) -> None:
    await create(api, admin, name="Smartphone", description="Latest Android device")
    await create(api, admin, name="Kettle", description="Boils water", category="kitchen")
    assert await search(api, "smart") == ["Smartphone"]
    assert await search(api, "  ANDROID  ") == ["Smartphone"]
    assert await search(api, "kitch") == ["Kettle"]
    assert await search(api, "phone") == []


async def test_a_name_hit_outranks_a_description_hit(api: Api, admin: dict[str, str]) -> None:
    await create(api, admin, name="Phone case", description="Protects a phone",
                 category="accessories")
    await create(api, admin, name="Charger", description="Charges your phone fast",
                 category="accessories")
    await create(api, admin, name="Phone", description="A phone", category="mobile")
    await create(api, admin, name="Cable", description="Long", category="phone-parts")
    found = await search(api, "phone")
    assert found[:2] == ["Phone", "Phone case"] or found[:2] == ["Phone case", "Phone"]
    assert found[2:] == ["Cable", "Charger"]


@pytest.mark.parametrize(("q", "expected"), [
    ("%", []), ("_", []), ("*", []), ('"', []), ("'", []), ("%%%", []), ("\\", []),
    ("NOT phone", []), ("a OR b", []), ("name:x", []), ("phone*", ["Phone"]),
    ('"phone"', ["Phone"]), ("phone OR kettle", []), ("ph%", ["Phone"]), ("p_one", []),
    ("phone:*", ["Phone"]), ("(phone", ["Phone"]), ("-phone", ["Phone"]), ("phone & k", []),
    ("' OR '1'='1", []), ("phone; DROP TABLE products", []),
])
async def test_wildcards_and_operators_never_widen_or_fail(
    api: Api, admin: dict[str, str], q: str, expected: list[str]
) -> None:
    await create(api, admin, name="Phone", description="A phone")
    await create(api, admin, name="Kettle", description="Boils water")
    assert await search(api, q) == expected


@pytest.mark.parametrize("q", ["", "   ", "x" * 101, " " + "y" * 101])
async def test_a_query_must_have_1_to_100_characters(api: Api, q: str) -> None:
    answer = await api.client.get("/api/products/search/", params={"q": q})
    assert fields_of(assert_problem(answer, 422, "validation_error")) == {"q"}


async def test_a_missing_query_is_422_naming_q(api: Api) -> None:
    problem = assert_problem(await api.client.get("/api/products/search/"), 422,
                             "validation_error")
    assert fields_of(problem) == {"q"}


async def test_search_follows_creates_changes_and_archives(
    api: Api, admin: dict[str, str]
) -> None:
    product = await create(api, admin, name="Teapot", description="Porcelain")
    assert await search(api, "teap") == ["Teapot"]
    path = f"/api/products/{product['id']}/"
    await api.client.patch(path, headers=admin, json={"name": "Coffee grinder"})
    assert await search(api, "teapot") == []
    assert await search(api, "grinder porcel") == ["Coffee grinder"]
    await api.client.delete(path, headers=admin)
    assert await search(api, "grinder") == []


async def test_search_is_paginated_with_links_keeping_q(api: Api, admin: dict[str, str]) -> None:
    for number in range(3):
        await create(api, admin, name=f"Lamp {number}")
    answer = await api.client.get("/api/products/search/", params={"q": "lamp", "page_size": 2})
    page = answer.json()
    assert page["count"] == 3 and len(page["results"]) == 2
    assert parse_qs(urlsplit(page["next"]).query) == {"q": ["lamp"], "page_size": ["2"],
                                                      "page": ["2"]}
    problem = assert_problem(await api.client.get("/api/products/search/?q=lamp&page=0"), 422,
                             "validation_error")
    assert fields_of(problem) == {"page"}


# most bought


async def test_most_bought_ranks_units_over_non_cancelled_orders(
    api: Api, admin: dict[str, str]
) -> None:
    a, b, c = [await create(api, admin, name=name) for name in ("A", "B", "C")]
    await insert_order(api.engine, [(a["id"], 2), (b["id"], 1)])
    await insert_order(api.engine, [(b["id"], 4)], status="shipped")
    await insert_order(api.engine, [(a["id"], 3)], status="paid")
    await insert_order(api.engine, [(c["id"], 90)], status="cancelled")
    answer = await api.client.get("/api/products/most-bought/")
    assert answer.status_code == 200
    body = answer.json()
    assert [(e["product"]["name"], e["units_sold"], e["orders"]) for e in body] == [
        ("A", 5, 2), ("B", 5, 2)]
    assert body[0]["product"] == (await api.client.get(f"/api/products/{a['id']}/")).json()


async def test_most_bought_honours_days_and_limit(api: Api, admin: dict[str, str]) -> None:
    old, new, newer = [await create(api, admin, name=name) for name in ("old", "new", "newer")]
    now = datetime.now(UTC)
    await insert_order(api.engine, [(old["id"], 50)], created_at=now - timedelta(days=60))
    await insert_order(api.engine, [(new["id"], 2)], created_at=now - timedelta(days=3))
    await insert_order(api.engine, [(newer["id"], 1)], created_at=now - timedelta(hours=1))

    async def names(query: str) -> list[str]:
        answer = await api.client.get(f"/api/products/most-bought/{query}")
        assert answer.status_code == 200, answer.text
        return [entry["product"]["name"] for entry in answer.json()]

    assert await names("") == ["old", "new", "newer"]
    assert await names("?days=30") == ["new", "newer"]
    assert await names("?days=1") == ["newer"]
    assert await names("?limit=1") == ["old"]


async def test_archived_products_leave_most_bought(api: Api, admin: dict[str, str]) -> None:
    gone, kept = await create(api, admin, name="gone"), await create(api, admin, name="kept")
    await insert_order(api.engine, [(gone["id"], 9), (kept["id"], 1)])
    await api.client.delete(f"/api/products/{gone['id']}/", headers=admin)
    body = (await api.client.get("/api/products/most-bought/")).json()
    assert [entry["product"]["name"] for entry in body] == ["kept"]


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"), ("days=0", "days"),
    ("days=-3", "days"), ("days=99999", "days"), ("days=1.5", "days"),
])
async def test_bad_most_bought_parameters_are_422(api: Api, query: str, field: str) -> None:
    answer = await api.client.get(f"/api/products/most-bought/?{query}")
    assert fields_of(assert_problem(answer, 422, "validation_error")) == {field}


# performance and documentation


async def test_reads_run_a_constant_number_of_statements(
    api: Api, admin: dict[str, str]
) -> None:
    first = await create(api, admin, name="Lamp 0")
    counts: list[tuple[int, ...]] = []
    for total in (2, 40):
        while (await listing(api))["count"] < total:
            await create(api, admin, name=f"Lamp {total}")
        with api.statements() as listed:
            assert len((await listing(api, "?page_size=100"))["results"]) == total
        with api.statements() as searched:
            assert len(await search(api, "lamp", page_size=100)) == total
        with api.statements() as shown:
            await api.client.get(f"/api/products/{first['id']}/")
        async with api.engine.connect() as connection:
            ids = (await connection.exec_driver_sql("SELECT id FROM products")).scalars().all()
        await insert_order(api.engine, [(product_id, 1) for product_id in ids])
        with api.statements() as best:
            answer = await api.client.get("/api/products/most-bought/?limit=100")
            assert len(answer.json()) == total
        counts.append((len(listed), len(searched), len(shown), len(best)))
    assert counts[0] == counts[1] and max(counts[0]) <= 3
    reads = listed + searched + shown + best
    if api.engine.dialect.name == "sqlite":  # reads take no write lock
        assert any(s.upper().startswith("BEGIN DEFERRED") for s in reads)
        assert not any("IMMEDIATE" in s.upper() for s in reads)


async def test_the_openapi_document_describes_the_catalog(api: Api) -> None:
    schema = (await api.client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in ("/api/products/", "/api/products/search/", "/api/products/most-bought/",
                 "/api/products/add/", "/api/products/{product_id}/"):
        assert path in paths, sorted(paths)
    create_operation = paths["/api/products/add/"]["post"]
    content = create_operation["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= content.keys()
    assert "image" in content["multipart/form-data"]["schema"]["properties"]
    assert create_operation["security"] == [{"BearerToken": []}]
    assert "201" in create_operation["responses"]
    for method in ("patch", "delete"):
        assert paths["/api/products/{product_id}/"][method]["security"] == [{"BearerToken": []}]
    listed = paths["/api/products/"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {
        "category", "min_price", "max_price", "in_stock", "ordering", "page", "page_size"}
