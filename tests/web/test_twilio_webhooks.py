"""Twilio's webhook signature, checked against the example Twilio publishes."""

import pytest

from components.web.twilio_webhooks import signed_by_twilio, twilio_signature

# https://www.twilio.com/docs/usage/security#validating-requests
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilios_published_example_gives_its_published_signature():
    assert twilio_signature(TOKEN, URL, PARAMS) == EXPECTED
    assert signed_by_twilio(TOKEN, URL, PARAMS, EXPECTED)


@pytest.mark.parametrize("url", ["https://mycompany.com:443/myapp.php?foo=1&bar=2"])
def test_the_default_port_added_or_dropped_by_a_proxy_still_matches(url):
    assert signed_by_twilio(TOKEN, url, PARAMS, EXPECTED)
    assert signed_by_twilio(TOKEN, URL, PARAMS, twilio_signature(TOKEN, url, PARAMS))


@pytest.mark.parametrize(
    ("token", "url", "params", "signature"),
    [
        ("54321", URL, PARAMS, EXPECTED),
        (TOKEN, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", PARAMS, EXPECTED),
        (TOKEN, "http://mycompany.com/myapp.php?foo=1&bar=2", PARAMS, EXPECTED),
        (TOKEN, URL, {**PARAMS, "Digits": "1235"}, EXPECTED),
        (TOKEN, URL, {**PARAMS, "Extra": ""}, EXPECTED),
        (TOKEN, URL, PARAMS, ""),
        ("", URL, PARAMS, twilio_signature("", URL, PARAMS)),
    ],
    ids=[
        "another token",
        "another port",
        "another scheme",
        "a changed value",
        "an added parameter",
        "no signature",
        "no token configured",
    ],
)
def test_anything_else_is_not_twilios(token, url, params, signature):
    assert not signed_by_twilio(token, url, params, signature)
