"""Trusted reverse proxies: the entries of ``SHOPCORE_TRUSTED_PROXIES`` (addresses and
CIDR networks, IPv4 or IPv6), and the client's address behind them in ``X-Forwarded-For``.

Addresses are compared as addresses, never as text: ``::ffff:10.0.0.1`` is ``10.0.0.1``,
``2001:DB8:0::1`` is ``2001:db8::1``, and an IPv6 zone (``%eth0``) is dropped.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

_IPV4_MAPPED = IPv6Network("::ffff:0:0/96")


class NotAProxyEntry(ValueError):
    """An entry that is neither an IP address nor a CIDR network."""


def proxy_entry(entry: str) -> str:
    """``entry`` (an address or a CIDR network, IPv4 or IPv6) in its normal form: a
    one-address network as the address (``10.0.0.1``), any other as ``10.0.0.0/8``.
    Raises ``NotAProxyEntry`` saying what is wrong."""
    network = _network(entry)
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Collection[str]) -> str:
    """The client's address: the socket ``peer``, unless the peer is a trusted proxy;
    then the right-most hop of ``X-Forwarded-For`` that is not a trusted proxy.

    ``forwarded_for`` holds every line of the header in the order received; they make
    one list, as if joined by commas. A hop that is not an address ends the search
    (what lies left of it may have been written by anyone): the client is then the
    peer, as it is when every hop is a trusted proxy. Addresses come back in their
    normal form (``2001:db8::1``, ``10.0.0.1`` for ``::ffff:10.0.0.1``); a peer that
    is no address (``unknown``) comes back as it is.
    """
    peer_address = _address(peer)
    if peer_address is None:
        return peer
    networks = _trusted_networks(frozenset(trusted))
    if not _is_trusted(peer_address, networks):
        return str(peer_address)
    hops = [hop.strip() for hop in ",".join(forwarded_for).split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        address = _address(hop)
        if address is None:
            break
        if not _is_trusted(address, networks):
            return str(address)
    return str(peer_address)


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


@lru_cache(maxsize=16)
def _trusted_networks(entries: frozenset[str]) -> tuple[Network, ...]:
    return tuple(_network(entry) for entry in entries)


def _network(entry: str) -> Network:
    text = entry.strip()
    try:
        network = ip_network(text)
    except ValueError:
        try:
            loose = ip_network(text, strict=False)
        except ValueError:
            raise NotAProxyEntry(f"{entry!r} is neither an IP address nor a CIDR "
                                 f"network") from None
        raise NotAProxyEntry(f"{entry!r} has bits set after the prefix (the network "
                             f"is {loose})") from None
    if isinstance(network, IPv6Network):
        if network.subnet_of(_IPV4_MAPPED):
            return IPv4Network((int(network.network_address) & 0xFFFF_FFFF,
                                network.prefixlen - 96))
        return IPv6Network((network.network_address.packed, network.prefixlen))
    return network


def _address(text: str) -> Address | None:
    """``text`` as an address, also as proxies write it with a port (``192.0.2.1:443``,
    ``[2001:db8::1]:443``) or in brackets; None when it is none."""
    host = text.strip()
    if host.startswith("["):
        host, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not _is_port(rest[1:] if rest[0] == ":" else "")):
            return None
    elif host.count(":") == 1:
        host, _, port = host.partition(":")
        if not _is_port(port):
            return None
    try:
        address = ip_address(host)
    except ValueError:
        return None
    if isinstance(address, IPv6Address):
        mapped = address.ipv4_mapped
        return mapped if mapped is not None else IPv6Address(address.packed)
    return address


def _is_port(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 5
