"""The client's address, for per-address limits: believed from X-Forwarded-For
only when the connection comes from a trusted proxy."""

import ipaddress
from functools import cache


def client_address(peer: str, forwarded_for: str, trusted_proxies: tuple[str, ...]) -> str:
    """The connection's address; behind trusted proxies, the first hop they did not add."""
    networks = _networks(trusted_proxies)

    def trusted(address: str) -> bool:
        try:
            return any(ipaddress.ip_address(address) in network for network in networks)
        except ValueError:
            return False

    if not trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    return next((hop for hop in reversed(hops) if not trusted(hop)), peer)


@cache
def _networks(trusted_proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy) for proxy in trusted_proxies)
