"""The client's address behind trusted proxies, seen through the per-IP limit of failed
OTP verifications (one failure allowed): two requests share a limit exactly when the
app takes them for the same client."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.e2e.conftest import MakeApi

Proxied = Callable[[str, frozenset[str]], Awaitable[httpx.AsyncClient]]
PHONES = (f"+9198765{n:05d}" for n in itertools.count())


@pytest.fixture
def behind_proxy(make_api: MakeApi) -> Proxied:
    """A client whose socket peer is ``peer``, of an app trusting ``proxies``."""
    async def make(peer: str, proxies: frozenset[str]) -> httpx.AsyncClient:
        api = await make_api(peer=peer, trusted_proxies=proxies, otp_verify_failures_per_ip=1)
        return api.client

    return make


async def wrong_code(client: httpx.AsyncClient, *forwarded_for: str) -> int:
    """The status of a failed verification sent with these ``X-Forwarded-For`` lines."""
    answer = await client.post("/api/auth/verify-otp/",
                               json={"phone": next(PHONES), "otp": "000000"},
                               headers=[("X-Forwarded-For", line) for line in forwarded_for])
    return answer.status_code


async def test_an_attacker_cannot_choose_an_address_in_an_earlier_header_line(
    behind_proxy: Proxied
) -> None:
    # The proxy (10.0.0.1) appends its own line with the address it saw, 203.0.113.9.
    client = await behind_proxy("10.0.0.1", frozenset({"10.0.0.1"}))
    assert await wrong_code(client, "198.51.100.1", "203.0.113.9") == 400
    assert await wrong_code(client, "198.51.100.2", "203.0.113.9") == 429


async def test_header_lines_are_read_in_order_as_one_list(behind_proxy: Proxied) -> None:
    client = await behind_proxy("10.0.0.1", frozenset({"10.0.0.1", "10.0.0.2"}))
    assert await wrong_code(client, "198.51.100.1, 203.0.113.9", "10.0.0.2") == 400
    assert await wrong_code(client, "203.0.113.9") == 429
    assert await wrong_code(client, "203.0.113.10") == 400


async def test_a_proxy_inside_a_trusted_network_is_believed(behind_proxy: Proxied) -> None:
    client = await behind_proxy("10.20.30.40", frozenset({"10.0.0.0/8"}))
    assert await wrong_code(client, "203.0.113.9") == 400
    assert await wrong_code(client, "203.0.113.10") == 400  # another client, own limit
    assert await wrong_code(client, "198.51.100.1, 203.0.113.9") == 429


async def test_a_proxy_inside_a_trusted_ipv6_network_is_believed(behind_proxy: Proxied) -> None:
    client = await behind_proxy("2001:db8:ffff::7", frozenset({"2001:db8:ffff::/48"}))
    assert await wrong_code(client, "2001:db8:1::1") == 400
    assert await wrong_code(client, "2001:db8:1::2") == 400


async def test_one_address_written_two_ways_is_one_client(behind_proxy: Proxied) -> None:
    client = await behind_proxy("10.0.0.1", frozenset({"10.0.0.1"}))
    assert await wrong_code(client, "2001:db8:1::1") == 400
    assert await wrong_code(client, "2001:DB8:1:0:0::1") == 429
    assert await wrong_code(client, "::ffff:203.0.113.9") == 400
    assert await wrong_code(client, "203.0.113.9") == 429


async def test_an_ipv4_mapped_peer_is_its_ipv4_address(behind_proxy: Proxied) -> None:
    # A server listening on "::" sees IPv4 peers as ::ffff:a.b.c.d.
    client = await behind_proxy("::ffff:10.0.0.1", frozenset({"10.0.0.1"}))
    assert await wrong_code(client, "203.0.113.9") == 400
    assert await wrong_code(client, "203.0.113.10") == 400


async def test_a_peer_outside_the_trusted_networks_is_the_client(behind_proxy: Proxied) -> None:
    client = await behind_proxy("192.0.2.1", frozenset({"10.0.0.0/8"}))
    assert await wrong_code(client, "203.0.113.9") == 400
    assert await wrong_code(client, "203.0.113.10") == 429
