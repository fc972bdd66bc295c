"""What the app tells of a browser, for its owner's devices page and activity: its browser and
system ("Chrome on Android", from the User-Agent by ua-parser's maintained patterns, not ours)
and the network its address is in (a /24 or a /64: enough to recognise, never the address,
and no geolocation service is asked)."""

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from anyio import to_thread
from ua_parser import parse

NAME_LENGTH = 60
IPV4_NETWORK, IPV6_NETWORK = 24, 64


@dataclass(frozen=True)
class Browser:
    device: str  # "Chrome on Android"; "" when the User-Agent says nothing we know
    network: str  # "203.0.113.0/24"; "" when the address is none (a test client)


UNKNOWN = Browser("", "")


def warm_up() -> None:
    """The parser compiles its patterns at its first use (about 0.1 s of CPU, holding the
    GIL): at start, so that no request pays for it, nor anything running beside one."""
    device_of.__wrapped__("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0.0.0 Safari/537.36")


async def browser_of(user_agent: str, address: str) -> Browser:
    """Parsed off the event loop (a User-Agent not met before costs a few regular expressions)."""
    return Browser(await to_thread.run_sync(device_of, user_agent[:500]), network_of(address))


@lru_cache(maxsize=1024)  # a few User-Agents sign in again and again: bounded, whatever comes
def device_of(user_agent: str) -> str:
    parsed = parse(user_agent)
    browser = (parsed.user_agent.family if parsed.user_agent else "").replace(" Mobile", "").removeprefix("Mobile ")
    system = parsed.os.family if parsed.os else ""
    browser = "" if browser == "Other" else browser
    named = f"{browser} on {system}" if browser and system and system != "Other" else browser
    return named[:NAME_LENGTH]


def network_of(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    prefix = IPV4_NETWORK if parsed.version == 4 else IPV6_NETWORK
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))
