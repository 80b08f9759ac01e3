"""The read cache through HTTP: a client always reads its own writes (list, detail,
search, best sellers, cart), writes made outside the process show within the TTL, and
the cache is off where several processes serve the shop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from shopcore.adapters.read_cache import ReadCache
from shopcore.entrypoints.container import build_container
from tests.e2e.conftest import Api, app_settings
from tests.support import insert_order

ADDRESS = {"name": "Asha Rao", "line1": "12 MG Road", "city": "Bengaluru",
           "state": "Karnataka", "postal_code": "560001", "country": "IN",
           "phone": "+919876543210"}


async def _product(api: Api, admin: dict[str, str], name: str, stock: int = 10) -> int:
    answer = await api.client.post("/api/products/add/", headers=admin, json={
        "name": name, "price": "100.00", "category": "mobile", "stock": stock})
    assert answer.status_code == 201, answer.text
    product_id: int = answer.json()["id"]
    return product_id


async def test_a_client_reads_its_own_writes_on_every_cached_route(api: Api) -> None:
    assert api.container.read_cache().enabled
    admin = await api.login_admin()
    phone = await _product(api, admin, "Phone One")
    lists = ["/api/products/?page_size=20", f"/api/products/{phone}/",
             "/api/products/search/?q=phone", "/api/products/most-bought/",
             "/api/products/most-bought/?days=30"]
    for path in lists:  # cached now
        assert (await api.client.get(path)).status_code == 200

    changed = await api.client.patch(f"/api/products/{phone}/", headers=admin,
                                     json={"name": "Phone Two", "stock": 7})
    assert changed.status_code == 200
    assert (await api.client.get(lists[0])).json()["results"][0]["name"] == "Phone Two"
    assert (await api.client.get(lists[1])).json()["stock"] == 7
    assert (await api.client.get(lists[2])).json()["results"][0]["name"] == "Phone Two"

    buyer = await api.login()
    assert (await api.client.get("/api/cart/", headers=buyer)).json()["items"] == []
    added = await api.client.post("/api/cart/add/", headers=buyer,
                                  json={"product_id": phone, "quantity": 2})
    assert added.status_code in (200, 201), added.text
    cart = (await api.client.get("/api/cart/", headers=buyer)).json()
    assert [line["quantity"] for line in cart["items"]] == [2]

    placed = await api.client.post("/api/order/place/", headers=buyer,
                                   json={"shipping_address": ADDRESS})
    assert placed.status_code == 201, placed.text
    assert (await api.client.get("/api/cart/", headers=buyer)).json()["items"] == []
    assert (await api.client.get(lists[1])).json()["stock"] == 5
    for best_sellers in lists[3:]:
        best = (await api.client.get(best_sellers)).json()
        assert [(b["product"]["id"], b["units_sold"]) for b in best] == [(phone, 2)]

    archived = await api.client.delete(f"/api/products/{phone}/", headers=admin)
    assert archived.status_code == 204
    assert (await api.client.get(lists[1])).status_code == 404
    assert (await api.client.get(lists[0])).json()["count"] == 0
    assert (await api.client.get(lists[3])).json() == []
    assert (await api.client.get(lists[4])).json() == []


async def test_a_write_made_outside_the_process_shows_within_the_ttl(api: Api) -> None:
    admin = await api.login_admin()
    phone = await _product(api, admin, "Kettle")
    api.container.read_cache().ttl = 0.2
    assert (await api.client.get("/api/products/most-bought/")).json() == []
    await insert_order(api.engine, [(phone, 3)])  # not through this app: no invalidation
    await asyncio.sleep(0.25)
    best = (await api.client.get("/api/products/most-bought/")).json()
    assert [(b["product"]["id"], b["units_sold"]) for b in best] == [(phone, 3)]


def test_the_cache_is_off_with_redis_or_at_zero(tmp_path: Path) -> None:
    def cache(**overrides: object) -> ReadCache:
        settings = app_settings("sqlite+aiosqlite:///unused.db", tmp_path, **overrides)
        cache: ReadCache = build_container(settings).read_cache()
        return cache

    assert cache().enabled
    assert not cache(redis_url="redis://127.0.0.1:6379/0").enabled
    assert not cache(read_cache_ms=0).enabled
