"""What a browser is called and where it is, for the devices page and activity: a name from
the User-Agent, and a network, never the address."""

import pytest

from components.browsers import device_of, network_of


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Windows"),
        ("testclient", ""),
        ("", ""),
    ],
)
def test_a_browser_is_named_after_its_browser_and_system(user_agent, device):
    assert device_of(user_agent) == device


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1234:5678:9abc::1", "2001:db8:1234:5678::/64"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
        ("testclient", ""),
        ("unknown", ""),
    ],
)
def test_an_address_is_shown_only_as_its_network(address, network):
    assert network_of(address) == network
