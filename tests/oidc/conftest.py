"""An app that signs its users in here, as a real client library (authlib) plays it:
it reads discovery, sends the visitor with PKCE and a nonce, trades the code,
checks the ID token's signature against the JWKS and every claim, and asks userinfo."""

from dataclasses import replace
from types import SimpleNamespace

import pytest

from components.storage.clients import Registration
from oidc.relying_party import ISSUER, RelyingParty, register


@pytest.fixture
def settings(settings):
    """The provider's issuer (PUBLIC_URL) is the address the test client reaches it at."""
    return replace(settings, public_url=ISSUER)


@pytest.fixture(autouse=True)
def relying_party_clock(monkeypatch, clock):
    """The client library reads the test's clock too, so its checks of `exp` and `iat` see
    the time the provider signed at, however far a test moves it."""
    same_time = SimpleNamespace(time=clock)
    monkeypatch.setattr("joserfc._rfc7519.claims.time", same_time)


@pytest.fixture
def register_app(server):
    """Register an app (`Registration`'s fields); its (client, secret)."""

    def make(**changes):
        return register(
            server, Registration(**{"name": "Photo Prints", "redirect_uris": ("https://prints.example/cb",), **changes})
        )

    return make


@pytest.fixture
def prints(server, register_app) -> RelyingParty:
    """A confidential third-party app, using PKCE too."""
    client, secret = register_app()
    return RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
