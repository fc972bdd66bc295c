"""Client addresses: who is asking, and the group a per-address limit counts.

X-Forwarded-For is believed only from trusted proxies. An IPv6 subscriber
usually holds a whole /64 (and can pick any address in it), so limits count
IPv6 addresses by their prefix; IPv4 addresses count one by one. One actor
may well hold a wider network whole (an IPv4 /24; an IPv6 /56 or a site's
/48, 65,536 /64s), so each per-address limit has wider tiers beside it.
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


# The wider networks of each version, and how many times the narrow allowance each may use.
WIDER: dict[int, tuple[tuple[int, int], ...]] = {4: ((24, 5),), 6: ((56, 2), (48, 5))}


def address_tiers(address: str, ipv6_prefix: int) -> tuple[tuple[str, int], ...]:
    """What a per-address limit counts, narrowest first: the address (IPv6: its network of
    `ipv6_prefix`) with weight 1, then each wider network with its weight."""
    narrow = address_group(address, ipv6_prefix)
    parsed = _parsed(address)
    if parsed is None:
        return ((narrow, 1),)
    wider = [
        (prefix, weight) for prefix, weight in WIDER[parsed.version] if parsed.version == 4 or prefix < ipv6_prefix
    ]
    return ((narrow, 1), *((str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False)), w) for prefix, w in wider))


def wide_group(address: str) -> str:
    """The widest network one actor may well hold whole (IPv4 /24, IPv6 /48): a limit on
    a shared ceiling counts it, so that no actor takes more than a share."""
    parsed = _parsed(address)
    if parsed is None:
        return address
    prefix = WIDER[parsed.version][-1][0]
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address (IPv4 seen through an IPv6 socket as itself), or None for garbage."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        return parsed.ipv4_mapped
    return parsed


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@cache
def _networks(trusted_proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy) for proxy in trusted_proxies)
