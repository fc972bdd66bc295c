"""Which address a request comes from: forwarded headers count only from trusted proxies."""

import pytest

from components.web.addresses import client_address


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", "1.2.3.4", (), "203.0.113.5"),  # no proxies trusted: the header is ignored
        ("203.0.113.5", "1.2.3.4", ("10.0.0.0/8",), "203.0.113.5"),  # not from a trusted proxy
        ("10.0.0.2", "1.2.3.4", ("10.0.0.0/8",), "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.9", ("10.0.0.0/8",), "1.2.3.4"),  # the forged left part is skipped
        ("10.0.0.2", "", ("10.0.0.0/8",), "10.0.0.2"),
        ("10.0.0.2", "garbage", ("10.0.0.0/8",), "garbage"),
    ],
)
def test_the_client_address_trusts_only_configured_proxies(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected
