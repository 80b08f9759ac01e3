"""The caps and uniqueness rules under concurrent requests, through the real app on both
engines: many requests sent at once (``asyncio.gather`` through the app, each request in
its own transaction on its own connection) never get past a cap, never make a second
row where one is allowed, never lose an update, and never answer 5xx.

On PostgreSQL (READ COMMITTED) the requests really overlap; on SQLite the writers of a
process take turns, and those of several processes queue for the write lock
(``BEGIN IMMEDIATE``), which these tests rely on too."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shopcore.adapters.sql.tables import refresh_tokens, reviews
from shopcore.application.shopping.add_to_wishlist import MAX_WISHLIST_ITEMS
from shopcore.domain.cart import MAX_CART_LINES, MAX_LINE_QUANTITY
from shopcore.domain.catalog import Product, ProductDraft
from shopcore.domain.users import hash_refresh_secret
from tests.e2e.conftest import Api, MakeApi
from tests.e2e.test_shopping_api import ADDRESS, NOW, assert_problem
from tests.redis_service import REDIS_URL, connected_redis, delete_keys

Headers = dict[str, str]
AT_ONCE = 30
"""Requests sent at the same moment by most tests."""
UNLIMITED: dict[str, object] = {"writes_per_minute": 1_000_000,
                                "otp_per_ip_hourly": 1_000_000}


@pytest.fixture
def make_api(make_api: MakeApi) -> MakeApi:
    """Apps like conftest's, by default without the write and OTP quotas (setting a test
    up is not throttled)."""
    return lambda **overrides: make_api(**{**UNLIMITED, **overrides})


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A Redis key prefix of this test's own (its keys deleted after)."""
    prefix = f"shopcore-test-{uuid.uuid4().hex[:8]}:"
    client = await connected_redis()
    try:
        yield prefix
    finally:
        await delete_keys(client, f"{prefix}*")
        await client.aclose()


def limiter_settings(limiter: str, prefix: str) -> dict[str, object]:
    """The settings of an app counting in this process's memory or in the shared Redis."""
    return {} if limiter == "memory" else {"redis_url": REDIS_URL, "redis_key_prefix": prefix}


def statuses(answers: list[httpx.Response]) -> Counter[int]:
    return Counter(answer.status_code for answer in answers)


async def products(api: Api, count: int, *, stock: int = 50, prefix: str = "Product"
                   ) -> list[Product]:
    async with api.container.unit_of_work() as uow:
        added = [await uow.products.add(
            ProductDraft.create(f"{prefix} {n}", "", "10.00", "misc", stock), NOW)
            for n in range(count)]
        await uow.commit()
    return added


async def user_id(api: Api, who: Headers) -> str:
    me: str = (await api.client.get("/api/auth/me/", headers=who)).json()["id"]
    return me


async def buyers(api: Api, count: int, product: Product) -> list[tuple[Headers, str]]:
    """``count`` users who each ordered one unit of ``product``: their headers and order."""
    bought = []
    for n in range(count):
        who = await api.login(f"+9197000{n:05d}")
        added = await api.client.post("/api/cart/add/", headers=who,
                                      json={"product_id": product.id})
        assert added.status_code == 200, added.text
        placed = await api.client.post("/api/order/place/", headers=who,
                                       json={"shipping_address": ADDRESS})
        assert placed.status_code == 201, placed.text
        bought.append((who, placed.json()["id"]))
    return bought


async def rating_of(api: Api, product: Product) -> tuple[int, int]:
    """The product's stored rating aggregates: (count, total)."""
    stored = await api.stored(product)
    return stored.rating_count, stored.rating_total


async def reviews_of(api: Api, product: Product) -> tuple[int, int]:
    """What the reviews table holds for the product: (count, sum of ratings)."""
    async with api.engine.connect() as connection:
        row = (await connection.execute(
            select(func.count(), func.coalesce(func.sum(reviews.c.rating), 0))
            .where(reviews.c.product_id == product.id))).one()
    return int(row[0]), int(row[1])


# the cart: at most 100 products, at most 99 units of each


async def test_concurrent_additions_never_take_a_cart_past_100_products(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    alice = await api.login()
    kept = await products(api, MAX_CART_LINES - 5)
    for product in kept:
        assert (await api.client.post("/api/cart/add/", headers=alice,
                                      json={"product_id": product.id})).status_code == 200
    wanted = await products(api, AT_ONCE, prefix="Wanted")
    answers = await asyncio.gather(*(
        api.client.post("/api/cart/add/", headers=alice, json={"product_id": product.id})
        for product in wanted))
    assert statuses(answers) == {200: 5, 422: AT_ONCE - 5}
    for refused in (a for a in answers if a.status_code == 422):
        assert_problem(refused, 422, "validation_error")
    assert max(len(a.json()["items"]) for a in answers if a.status_code == 200) == \
        MAX_CART_LINES
    cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert len(cart["items"]) == MAX_CART_LINES


async def test_concurrent_additions_and_updates_never_take_a_line_past_99_units(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    alice = await api.login()
    (product,) = await products(api, 1, stock=1000)
    assert (await api.client.post("/api/cart/add/", headers=alice, json={
        "product_id": product.id, "quantity": 90})).status_code == 200
    additions = [api.client.post("/api/cart/add/", headers=alice,
                                 json={"product_id": product.id, "quantity": 1})
                 for _ in range(AT_ONCE)]
    updates = [api.client.post("/api/cart/update/", headers=alice,
                               json={"product_id": product.id, "quantity": 95})
               for _ in range(5)]
    answers = await asyncio.gather(*(call for pair in zip(additions[:5], updates, strict=True)
                                     for call in pair), *additions[5:])
    assert set(statuses(answers)) <= {200, 422}
    quantities = [a.json()["items"][0]["quantity"] for a in answers if a.status_code == 200]
    assert max(quantities) <= MAX_LINE_QUANTITY
    # An update to 95 may come after the line reached 99, and additions after it.
    left = (await api.client.get("/api/cart/", headers=alice)).json()["items"][0]["quantity"]
    assert 95 <= left <= MAX_LINE_QUANTITY
    more = await asyncio.gather(*(
        api.client.post("/api/cart/add/", headers=alice,
                        json={"product_id": product.id, "quantity": 1})
        for _ in range(AT_ONCE)))
    room = MAX_LINE_QUANTITY - left
    assert statuses(more) == Counter({200: room, 422: AT_ONCE - room})
    cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert cart["items"][0]["quantity"] == MAX_LINE_QUANTITY


async def test_concurrent_single_additions_each_add_their_unit_up_to_99(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    alice = await api.login()
    (product,) = await products(api, 1, stock=1000)
    assert (await api.client.post("/api/cart/add/", headers=alice, json={
        "product_id": product.id, "quantity": 80})).status_code == 200
    answers = await asyncio.gather(*(
        api.client.post("/api/cart/add/", headers=alice,
                        json={"product_id": product.id, "quantity": 1})
        for _ in range(AT_ONCE)))
    assert statuses(answers) == {200: MAX_LINE_QUANTITY - 80, 422: AT_ONCE - 19}
    cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert cart["items"][0]["quantity"] == MAX_LINE_QUANTITY


# the wishlist: at most 200 products, each once


async def test_concurrent_additions_never_take_a_wishlist_past_200_products(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    alice = await api.login()
    me = await user_id(api, alice)
    kept = await products(api, MAX_WISHLIST_ITEMS - 10)
    async with api.container.unit_of_work() as uow:
        for product in kept:
            await uow.wishlists.add(me, product.id, NOW)
        await uow.commit()
    wanted = await products(api, AT_ONCE, prefix="Wanted")
    answers = await asyncio.gather(*(
        api.client.post("/api/wishlist/", headers=alice, json={"product_id": product.id})
        for product in wanted))
    assert statuses(answers) == {201: 10, 422: AT_ONCE - 10}
    listed = (await api.client.get("/api/wishlist/", headers=alice)).json()["items"]
    assert len(listed) == MAX_WISHLIST_ITEMS


async def test_one_product_added_to_a_wishlist_at_once_is_there_once(make_api: MakeApi) -> None:
    api = await make_api()
    alice = await api.login()
    (product,) = await products(api, 1)
    answers = await asyncio.gather(*(
        api.client.post("/api/wishlist/", headers=alice, json={"product_id": product.id})
        for _ in range(AT_ONCE)))
    assert statuses(answers) == {201: 1, 200: AT_ONCE - 1}
    listed = (await api.client.get("/api/wishlist/", headers=alice)).json()["items"]
    assert [item["product"]["id"] for item in listed] == [product.id]


# reviews: one per user and product, only by a buyer, exact aggregates


async def test_one_buyers_reviews_sent_at_once_make_one_review(make_api: MakeApi) -> None:
    api = await make_api()
    (product,) = await products(api, 1)
    ((alice, _),) = await buyers(api, 1, product)
    answers = await asyncio.gather(*(
        api.client.post(f"/api/products/{product.id}/reviews/", headers=alice,
                        json={"rating": 1 + n % 5}) for n in range(AT_ONCE)))
    assert statuses(answers) == {201: 1, 409: AT_ONCE - 1}
    for refused in (a for a in answers if a.status_code == 409):
        assert_problem(refused, 409, "already_reviewed")
    (kept,) = [a.json()["rating"] for a in answers if a.status_code == 201]
    assert await reviews_of(api, product) == (1, kept)
    assert await rating_of(api, product) == (1, kept)


async def test_reviews_racing_the_cancellation_of_their_order_are_a_buyers_or_refused(
    make_api: MakeApi,
) -> None:
    # A review that commits is one whose purchase was still there when it looked: as if
    # it came before the cancellation (which, as in any order, leaves an earlier review).
    # One that looked after the cancellation is 403. Either way the aggregates are exact.
    api = await make_api()
    (product,) = await products(api, 1, stock=100)
    bought = await buyers(api, 20, product)
    answers = await asyncio.gather(*(
        call for who, order_id in bought for call in (
            api.client.post("/api/order/cancel/", headers=who, json={"order_id": order_id}),
            api.client.post(f"/api/products/{product.id}/reviews/", headers=who,
                            json={"rating": 4}))))
    cancels, posted = answers[0::2], answers[1::2]
    assert statuses(cancels) == {200: len(bought)}
    assert set(statuses(posted)) <= {201, 403}
    for refused in (a for a in posted if a.status_code == 403):
        assert_problem(refused, 403, "purchase_required")
    created = statuses(posted)[201]
    assert await reviews_of(api, product) == (created, 4 * created)
    assert await rating_of(api, product) == (created, 4 * created)
    assert (await api.stored(product)).stock == 100
    # Afterwards, with every order cancelled, nobody may review.
    (who, _) = bought[0]
    await api.client.delete(f"/api/products/{product.id}/reviews/", headers=who)
    assert_problem(await api.client.post(f"/api/products/{product.id}/reviews/", headers=who,
                                         json={"rating": 4}), 403, "purchase_required")


async def test_concurrent_reviews_and_deletions_keep_the_rating_exact(make_api: MakeApi) -> None:
    api = await make_api()
    (product,) = await products(api, 1, stock=100)
    bought = await buyers(api, 15, product)
    url = f"/api/products/{product.id}/reviews/"
    for n, (who, _) in enumerate(bought[:10]):  # ten reviews already there
        assert (await api.client.post(url, headers=who,
                                      json={"rating": 1 + n % 5})).status_code == 201
    for round_ in range(3):
        calls = []
        for n, (who, _) in enumerate(bought):
            rating = 1 + (n + round_) % 5
            calls += [api.client.delete(url, headers=who),
                      api.client.post(url, headers=who, json={"rating": rating}),
                      api.client.post(url, headers=who, json={"rating": 6 - rating})]
        answers = await asyncio.gather(*calls)
        assert set(statuses(answers)) <= {201, 204, 404, 409}
        stored_count, stored_total = await reviews_of(api, product)
        assert await rating_of(api, product) == (stored_count, stored_total)
        listed = (await api.client.get(f"{url}?page_size=100")).json()
        shown = (await api.client.get(f"/api/products/{product.id}/")).json()["rating"]
        assert listed["count"] == shown["count"] == stored_count


# writes per user per minute


@pytest.mark.parametrize("limiter", ["memory", "redis"])
async def test_writes_sent_at_once_stop_at_the_per_minute_limit(
    make_api: MakeApi, limiter: str, redis_prefix: str,
) -> None:
    api = await make_api(writes_per_minute=10, **limiter_settings(limiter, redis_prefix))
    alice = await api.login()
    (product,) = await products(api, 1, stock=1000)
    answers = await asyncio.gather(*(
        api.client.post("/api/cart/add/", headers=alice,
                        json={"product_id": product.id, "quantity": 1})
        for _ in range(AT_ONCE)))
    assert statuses(answers) == {200: 10, 429: AT_ONCE - 10}
    cart = (await api.client.get("/api/cart/", headers=alice)).json()
    assert cart["items"][0]["quantity"] == 10


# OTP delivery quotas


@pytest.mark.parametrize("limiter", ["memory", "redis"])
async def test_codes_requested_at_once_from_one_address_stop_at_its_hourly_quota(
    make_api: MakeApi, limiter: str, redis_prefix: str,
) -> None:
    api = await make_api(otp_per_ip_hourly=10, **limiter_settings(limiter, redis_prefix))
    phones = [f"+9196000{n:05d}" for n in range(AT_ONCE)]
    answers = await asyncio.gather(*(
        api.client.post("/api/auth/request-otp/", json={"phone": phone}) for phone in phones))
    assert statuses(answers) == {202: 10, 429: AT_ONCE - 10}
    assert len(api.otp.sent) == 10


async def test_codes_requested_at_once_for_one_phone_send_one(make_api: MakeApi) -> None:
    api = await make_api()
    answers = await asyncio.gather(*(
        api.client.post("/api/auth/request-otp/", json={"phone": "+919600000001"})
        for _ in range(AT_ONCE)))
    assert statuses(answers) == {202: 1, 429: AT_ONCE - 1}
    assert len(api.otp.sent) == 1


# refresh-token rotation


async def login_pair(api: Api, phone: str) -> dict[str, Any]:
    await api.client.post("/api/auth/request-otp/", json={"phone": phone})
    answer = await api.client.post("/api/auth/verify-otp/",
                                   json={"phone": phone, "otp": api.otp.last_code(phone)})
    assert answer.status_code == 200, answer.text
    pair: dict[str, Any] = answer.json()
    return pair


async def live_tokens_of(api: Api, refresh_token: str) -> int:
    """How many refresh tokens of the login ``refresh_token`` belongs to are not revoked."""
    async with api.engine.connect() as connection:
        family = (await connection.execute(
            select(refresh_tokens.c.family_id)
            .where(refresh_tokens.c.token_hash == hash_refresh_secret(refresh_token))
        )).scalar_one()
        live = (await connection.execute(
            select(func.count()).select_from(refresh_tokens)
            .where(refresh_tokens.c.family_id == family, refresh_tokens.c.revoked.is_(False))
        )).scalar_one()
    return int(live)


async def test_a_refresh_token_sent_at_once_rotates_once_and_ends_the_login(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    login = await login_pair(api, "+919500000001")
    answers = await asyncio.gather(*(
        api.client.post("/api/auth/refresh/", json={"refresh_token": login["refresh_token"]})
        for _ in range(AT_ONCE)))
    assert statuses(answers) == {200: 1, 401: AT_ONCE - 1}
    (rotated,) = [a.json() for a in answers if a.status_code == 200]
    # The token was used again: every token of that login is dead, the new ones too.
    assert await live_tokens_of(api, login["refresh_token"]) == 0
    assert_problem(await api.client.post(
        "/api/auth/refresh/", json={"refresh_token": rotated["refresh_token"]}),
        401, "unauthorized")
    for access in (login["access_token"], rotated["access_token"]):
        me = await api.client.get("/api/auth/me/", headers={"Authorization": f"Bearer {access}"})
        assert_problem(me, 401, "unauthorized")


async def test_a_logout_racing_a_refresh_leaves_no_refresh_token_alive(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    logins = [await login_pair(api, f"+9195000{n:05d}") for n in range(10)]
    answers = await asyncio.gather(*(
        call for login in logins for call in (
            api.client.post("/api/auth/refresh/", json={"refresh_token": login["refresh_token"]}),
            api.client.post("/api/auth/logout/", json={"refresh_token": login["refresh_token"]}),
        )))
    refreshes, logouts = answers[0::2], answers[1::2]
    assert statuses(logouts) == {204: len(logins)}
    assert set(statuses(refreshes)) <= {200, 401}
    for login in logins:
        assert await live_tokens_of(api, login["refresh_token"]) == 0
    for rotated in (a.json() for a in refreshes if a.status_code == 200):
        assert_problem(await api.client.post(
            "/api/auth/refresh/", json={"refresh_token": rotated["refresh_token"]}),
            401, "unauthorized")


async def test_a_reused_token_racing_the_next_refresh_leaves_no_refresh_token_alive(
    make_api: MakeApi,
) -> None:
    # A stolen, already-used token comes back while the rightful client refreshes with
    # the token that replaced it: the login ends, including what that refresh issued.
    api = await make_api()
    chains = []
    for n in range(10):
        login = await login_pair(api, f"+9194000{n:05d}")
        rotated = (await api.client.post(
            "/api/auth/refresh/", json={"refresh_token": login["refresh_token"]})).json()
        chains.append((login["refresh_token"], rotated["refresh_token"]))
    answers = await asyncio.gather(*(
        api.client.post("/api/auth/refresh/", json={"refresh_token": token})
        for chain in chains for token in chain))
    reused, current = answers[0::2], answers[1::2]
    assert statuses(reused) == {401: len(chains)}
    assert set(statuses(current)) <= {200, 401}
    for first, _ in chains:
        assert await live_tokens_of(api, first) == 0
    for rotated in (a.json() for a in current if a.status_code == 200):
        assert_problem(await api.client.post(
            "/api/auth/refresh/", json={"refresh_token": rotated["refresh_token"]}),
            401, "unauthorized")


# an admin's changes to a product while it is being ordered


async def carts_of_one(api: Api, count: int, product: Product) -> list[Headers]:
    """``count`` users with one unit of ``product`` in their carts."""
    users = []
    for n in range(count):
        who = await api.login(f"+9193000{n:05d}")
        assert (await api.client.post("/api/cart/add/", headers=who,
                                      json={"product_id": product.id})).status_code == 200
        users.append(who)
    return users


async def place_order(api: Api, who: Headers) -> httpx.Response:
    return await api.client.post("/api/order/place/", headers=who,
                                 json={"shipping_address": ADDRESS})


async def orders_around(api: Api, shoppers: list[Headers],
                        action: Awaitable[httpx.Response],
                        ) -> tuple[httpx.Response, list[httpx.Response]]:
    """Half the shoppers' orders, ``action``, then the other half's, all sent at once:
    the action's answer and the orders' answers."""
    half = len(shoppers) // 2
    answers = await asyncio.gather(*(place_order(api, who) for who in shoppers[:half]),
                                   action,
                                   *(place_order(api, who) for who in shoppers[half:]))
    return answers[half], answers[:half] + answers[half + 1:]


def units_ordered(answers: list[httpx.Response]) -> int:
    return sum(line["quantity"] for a in answers if a.status_code == 201
               for line in a.json()["items"])


async def test_an_admin_changing_the_price_while_others_order_loses_no_unit(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    admin = await api.login_admin()
    (product,) = await products(api, 1, stock=20)
    shoppers = await carts_of_one(api, AT_ONCE, product)
    answers = await asyncio.gather(
        *(place_order(api, who)
          for who in shoppers),
        *(api.client.patch(f"/api/products/{product.id}/", headers=admin,
                           json={"price": f"{11 + n}.00", "name": f"Renamed {n}"})
          for n in range(5)))
    orders, patches = answers[:AT_ONCE], answers[AT_ONCE:]
    assert statuses(patches) == {200: 5}
    assert set(statuses(orders)) <= {201, 409}
    ordered = units_ordered(orders)
    assert ordered == 20  # the stock was enough for 20 of them, whatever their prices
    assert (await api.stored(product)).stock == 20 - ordered


async def test_an_admin_setting_the_stock_while_others_order_never_oversells(
    make_api: MakeApi,
) -> None:
    # The admin's value is what the shelf holds when it is set: orders placed before it
    # are not taken off it, orders placed after it are. No order's decrement is lost
    # by a concurrent PATCH and the stock never goes below zero.
    api = await make_api()
    admin = await api.login_admin()
    (product,) = await products(api, 1, stock=10)
    shoppers = await carts_of_one(api, AT_ONCE, product)
    patched, orders = await orders_around(api, shoppers, api.client.patch(
        f"/api/products/{product.id}/", headers=admin, json={"stock": 5}))
    assert patched.status_code == 200, patched.text
    assert set(statuses(orders)) <= {201, 409}
    stock = (await api.stored(product)).stock
    ordered = units_ordered(orders)
    after_patch = 5 - stock  # orders taken off the admin's value
    assert 0 <= stock <= 5 and 0 <= after_patch <= ordered
    assert ordered - after_patch <= 10  # before the patch, at most the old stock
    assert patched.json()["stock"] == 5


async def test_archiving_a_product_while_it_is_ordered_keeps_every_unit_accounted_for(
    make_api: MakeApi,
) -> None:
    api = await make_api()
    admin = await api.login_admin()
    (product,) = await products(api, 1, stock=100)
    shoppers = await carts_of_one(api, AT_ONCE, product)
    archived, orders = await orders_around(
        api, shoppers, api.client.delete(f"/api/products/{product.id}/", headers=admin))
    assert archived.status_code == 204
    assert set(statuses(orders)) <= {201, 409}
    for refused in (a for a in orders if a.status_code == 409):
        shortage = assert_problem(refused, 409, "out_of_stock")["products"]
        assert shortage == [{"product_id": product.id, "requested": 1, "available": 0}]
    stored = await api.stored(product)
    assert stored.archived and stored.stock == 100 - units_ordered(orders)
    # Once archived, nobody orders it.
    late = await api.login("+919300099999")
    assert (await api.client.post("/api/cart/add/", headers=late,
                                  json={"product_id": product.id})).status_code == 404


async def test_orders_selling_out_products_of_two_categories_at_once_are_all_placed(
    make_api: MakeApi,
) -> None:
    # Each order takes the last unit of a phone and a book; half of them hold the phone
    # first by id, half the book: their products lock in opposite category orders, and
    # so did the kept in-stock counts per category (a deadlock each time, before 0028).
    api = await make_api()
    async with api.container.unit_of_work() as uow:
        added = [await uow.products.add(
            ProductDraft.create(f"Last {n}", "", "10.00", category, 1), NOW)
            for n in range(AT_ONCE)
            for category in (("phones", "books") if n % 2 else ("books", "phones"))]
        await uow.commit()
    shoppers = []
    for n in range(AT_ONCE):
        who = await api.login(f"+9194000{n:05d}")
        for product in added[2 * n:2 * n + 2]:
            assert (await api.client.post("/api/cart/add/", headers=who,
                                          json={"product_id": product.id})).status_code == 200
        shoppers.append(who)
    orders = await asyncio.gather(*(place_order(api, who) for who in shoppers))
    assert statuses(orders) == {201: AT_ONCE}, [o.json() for o in orders if o.status_code != 201]

    async def in_stock(category: str) -> tuple[int, int]:
        listed = (await api.client.get(
            f"/api/products/?category={category}&in_stock=true")).json()["count"]
        sold_out = (await api.client.get(
            f"/api/products/?category={category}&in_stock=false")).json()["count"]
        return listed, sold_out

    assert await in_stock("phones") == await in_stock("books") == (0, AT_ONCE)
    cancels = await asyncio.gather(*(
        api.client.post("/api/order/cancel/", headers=who,
                        json={"order_id": order.json()["id"]})
        for order, who in zip(orders, shoppers, strict=True)))
    assert statuses(cancels) == {200: AT_ONCE}, [c.json() for c in cancels if c.status_code != 200]
    assert await in_stock("phones") == await in_stock("books") == (AT_ONCE, 0)


# idempotency keys


async def test_one_key_sent_at_once_with_two_bodies_makes_one_order(make_api: MakeApi) -> None:
    api = await make_api()
    alice = await api.login()
    (product,) = await products(api, 1, stock=50)
    assert (await api.client.post("/api/cart/add/", headers=alice, json={
        "product_id": product.id, "quantity": 3})).status_code == 200
    bodies = [{"shipping_address": {**ADDRESS, "city": city}} for city in ("Pune", "Delhi")]
    answers = await asyncio.gather(*(
        api.client.post("/api/order/place/", json=bodies[n % 2],
                        headers={**alice, "Idempotency-Key": "one-tap"})
        for n in range(AT_ONCE)))
    (placed,) = [a.json() for a in answers if a.status_code == 201]
    same = 0 if placed["shipping_address"]["city"] == "Pune" else 1
    for n, answer in enumerate(answers):
        if answer.status_code == 201:
            continue
        if n % 2 == same:
            assert answer.status_code == 200 and answer.json()["id"] == placed["id"]
        else:
            assert_problem(answer, 422, "idempotency_key_reused")
    listed = (await api.client.get("/api/orders/", headers=alice)).json()
    assert listed["count"] == 1 and (await api.stored(product)).stock == 47
