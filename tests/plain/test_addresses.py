"""Which address a request comes from, and which group its per-address limits count."""

import pytest

from components.addresses import address_group, client_address


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", "1.2.3.4", (), "203.0.113.5"),  # no proxies trusted: the header is ignored
        ("203.0.113.5", "1.2.3.4", ("10.0.0.0/8",), "203.0.113.5"),  # not from a trusted proxy
        ("10.0.0.2", "1.2.3.4", ("10.0.0.0/8",), "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.9", ("10.0.0.0/8",), "1.2.3.4"),  # the forged left part is skipped
        ("10.0.0.2", "", ("10.0.0.0/8",), "10.0.0.2"),
        # A hop that is no address is no client (nor a way into a log line): the proxy counts.
        ("10.0.0.2", "garbage", ("10.0.0.0/8",), "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4 status=500\nforged", ("10.0.0.0/8",), "10.0.0.2"),
    ],
)
def test_the_client_address_trusts_only_configured_proxies(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


@pytest.mark.parametrize(
    ("address", "prefix", "expected"),
    [
        ("203.0.113.5", 64, "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:aaaa::1", 48, "2001:db8:1::/48"),
        ("::ffff:203.0.113.5", 64, "203.0.113.5"),  # IPv4 seen through an IPv6 socket
        ("testclient", 64, "testclient"),
    ],
)
def test_ipv6_addresses_count_by_their_prefix(address, prefix, expected):
    assert address_group(address, prefix) == expected
