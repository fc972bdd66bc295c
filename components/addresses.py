"""Client addresses: who is asking, and the group a per-address limit counts.

X-Forwarded-For is believed only from trusted proxies. An IPv6 subscriber
usually holds a whole /64 (and can pick any address in it), so limits count
IPv6 addresses by their prefix; IPv4 addresses count one by one.
"""

import ipaddress
from functools import cache


def client_address(peer: str, forwarded_for: str, trusted_proxies: tuple[str, ...]) -> str:
    """The connection's address; behind trusted proxies, the first hop they did not add."""
    if not within(peer, trusted_proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    client = next((hop for hop in reversed(hops) if not within(hop, trusted_proxies)), peer)
    return client if _is_address(client) else peer  # garbage is no client, nor a way into a log line


def within(address: str, networks: tuple[str, ...]) -> bool:
    """Whether the address is in one of the networks (a proxy we trust, a scraper we allow)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _networks(networks))


def address_group(address: str, ipv6_prefix: int) -> str:
    """What a per-address limit counts: the IPv6 network of the given prefix, or the address."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an address (a test client, a garbled header): counted as itself
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:  # IPv4 seen through an IPv6 socket
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{ipv6_prefix}", strict=False))
    return str(parsed)


def wide_group(address: str) -> str:
    """The network one actor may well hold whole: an IPv4 /24, an IPv6 /48 (a site's
    allocation). A limit on a shared ceiling counts it, so that no actor takes the ceiling."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@cache
def _networks(trusted_proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy) for proxy in trusted_proxies)
