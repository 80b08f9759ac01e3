"""SHOPCORE_TRUSTED_PROXIES takes addresses and CIDR networks, and the client's address is
found behind them in every line of ``X-Forwarded-For``."""

from __future__ import annotations

from pathlib import Path

import pytest

import shopcore
from shopcore.entrypoints.settings import Settings, SettingsError
from shopcore.entrypoints.trusted_proxies import client_address


def load(tmp_path: Path, proxies: str) -> Settings:
    return Settings.load({"SHOPCORE_ENV": "test", "SHOPCORE_TRUSTED_PROXIES": proxies},
                         workdir=tmp_path)


# the setting


def test_addresses_and_networks_of_both_families_are_read_in_normal_form(
    tmp_path: Path
) -> None:
    settings = load(tmp_path, "10.0.0.10, 10.1.0.0/16,FD00::/8, 2001:DB8:0::1,"
                              " ::ffff:192.0.2.7, ::ffff:172.16.0.0/108")
    assert settings.trusted_proxies == frozenset({
        "10.0.0.10", "10.1.0.0/16", "fd00::/8", "2001:db8::1", "192.0.2.7", "172.16.0.0/12"})


@pytest.mark.parametrize("entry", [
    "proxy.internal", "10.0.0.*", "10.0.0.0/33", "10.0.0.0/-1", "10/8", "10.0.0.0/",
    "2001:db8::/129", "2001:db8:::1", "１０.0.0.1", "10.0.0.0/８", "10.0.0.1 10.0.0.2",
])
def test_an_entry_that_is_neither_address_nor_network_stops_start_up(
    tmp_path: Path, entry: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, f"10.0.0.10,{entry}")
    assert caught.value.name == "SHOPCORE_TRUSTED_PROXIES"
    assert repr(entry) in str(caught.value) and "CIDR" in str(caught.value)


def test_a_network_with_bits_after_its_prefix_is_refused_naming_the_network(
    tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match="10.0.0.0/8") as caught:
        load(tmp_path, "10.0.0.1/8")
    assert caught.value.name == "SHOPCORE_TRUSTED_PROXIES"


def test_the_library_refuses_a_wrong_entry_naming_the_field() -> None:
    with pytest.raises(shopcore.SettingsError) as caught:
        shopcore.bootstrap(trusted_proxies=frozenset({"10.0.0.0/8", "load-balancer"}))
    assert caught.value.name == "trusted_proxies" and "'load-balancer'" in str(caught.value)


# the client's address

PROXIES = frozenset({"10.0.0.0/8", "2001:db8:ffff::/48"})


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address("203.0.113.9", ["198.51.100.1"], PROXIES) == "203.0.113.9"
    assert client_address("203.0.113.9", [], frozenset()) == "203.0.113.9"


def test_a_peer_inside_a_trusted_network_is_believed() -> None:
    assert client_address("10.20.30.40", ["198.51.100.1"], PROXIES) == "198.51.100.1"
    assert client_address("2001:db8:ffff:1::5", ["198.51.100.1"], PROXIES) == "198.51.100.1"


def test_the_lines_of_the_header_are_one_list_in_order() -> None:
    # The attacker's own line comes first; the proxy appends the address it saw.
    assert client_address("10.0.0.1", ["198.51.100.1", "203.0.113.9"],
                          PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.1", ["198.51.100.1, 203.0.113.9", "10.0.0.2"],
                          PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.1", ["198.51.100.1", " , ", "203.0.113.9, 10.9.9.9"],
                          PROXIES) == "203.0.113.9"


def test_every_hop_trusted_leaves_the_peer() -> None:
    assert client_address("10.0.0.1", ["10.0.0.3, 10.0.0.2"], PROXIES) == "10.0.0.1"
    assert client_address("10.0.0.1", [], PROXIES) == "10.0.0.1"


def test_a_hop_that_is_no_address_ends_the_search_at_the_peer() -> None:
    # Left of "unknown" anyone may have written anything.
    assert client_address("10.0.0.1", ["198.51.100.1, unknown"], PROXIES) == "10.0.0.1"


def test_addresses_are_compared_and_returned_in_normal_form() -> None:
    assert client_address("::ffff:10.0.0.1", ["2001:DB8:0:0::1"], PROXIES) == "2001:db8::1"
    assert client_address("10.0.0.1", ["::ffff:198.51.100.1"], PROXIES) == "198.51.100.1"
    assert client_address("10.0.0.1", ["198.51.100.1, ::FFFF:10.0.0.9"],
                          PROXIES) == "198.51.100.1"
    assert client_address("2001:DB8:FFFF::1", ["2001:db8:1::1"], PROXIES) == "2001:db8:1::1"
    assert client_address("::ffff:203.0.113.9", [], PROXIES) == "203.0.113.9"
    assert client_address("fe80::1%eth0", [], PROXIES) == "fe80::1"


def test_hops_written_with_a_port_or_in_brackets_are_addresses() -> None:
    assert client_address("10.0.0.1", ["198.51.100.1:51234"], PROXIES) == "198.51.100.1"
    assert client_address("10.0.0.1", ["[2001:db8:1::1]:443"], PROXIES) == "2001:db8:1::1"
    assert client_address("10.0.0.1", ["[2001:db8:1::1]"], PROXIES) == "2001:db8:1::1"
    assert client_address("10.0.0.1", ["[2001:db8:1::1]x"], PROXIES) == "10.0.0.1"
    assert client_address("10.0.0.1", ["198.51.100.1:８０"], PROXIES) == "10.0.0.1"


def test_a_peer_that_is_no_address_is_the_client_as_it_is() -> None:
    assert client_address("unknown", ["198.51.100.1"], PROXIES) == "unknown"


def test_single_addresses_still_match_only_themselves() -> None:
    proxies = frozenset({"192.0.2.10"})
    assert client_address("192.0.2.10", ["198.51.100.1"], proxies) == "198.51.100.1"
    assert client_address("192.0.2.11", ["198.51.100.1"], proxies) == "192.0.2.11"
