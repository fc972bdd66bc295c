"""A relying party built from authlib's own client parts (not this app's code): its
OAuth 2.0 client (httpx), its discovery and JWKS handling, and its ID token checks
(authlib.oidc.core.CodeIDToken: iss, aud, exp, iat, nonce, at_hash). It reaches the
provider through the test server's transport; the visitor's browser is a Visitor."""

from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.integrations.base_client.sync_app import BaseApp, OAuth2Mixin
from authlib.integrations.base_client.sync_openid import OpenIDMixin
from authlib.integrations.httpx_client import OAuth2Client

from components.storage.clients import Registration

ISSUER = "http://testserver"


class _Framework:
    """What authlib's app classes tell when a token changes: nothing to keep here."""

    def update_token(self, *args, **kwargs):
        pass


class RelyingParty(OAuth2Mixin, OpenIDMixin, BaseApp):
    client_cls = OAuth2Client

    def __init__(self, server, client_id, client_secret, *, redirect_uri, scope="openid profile email phone", **kwargs):
        super().__init__(
            _Framework(),
            name="rp",
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
            client_kwargs={
                "transport": server._transport,
                "scope": scope,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic" if client_secret else "none",
                **kwargs,
            },
        )
        self.redirect_uri = redirect_uri
        self.started: dict = {}

    def start(self, **params) -> str:
        """The address the app sends its visitor to (state, nonce and verifier kept)."""
        self.started = self.create_authorization_url(self.redirect_uri, **params)
        return self.started["url"]

    def finish(self, location: str) -> dict:
        """The visitor is back at the app with a code: tokens, the ID token checked, its claims."""
        answer = back_at_app(location)
        assert answer["state"] == self.started["state"], "state echoed"
        assert answer["iss"] == ISSUER, "iss in the response (RFC 9207)"
        token = self.fetch_access_token(
            self.redirect_uri, code=answer["code"], code_verifier=self.started.get("code_verifier")
        )
        token["userinfo"] = self.parse_id_token(token, nonce=self.started["nonce"])
        return token


def back_at_app(location: str) -> dict[str, str]:
    """The query of the app's address the visitor was sent back to."""
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def register(server, registration: Registration):
    """Registered as `python app.py clients add` does, through the app's own store."""
    return server.portal.call(server.app.state.services.clients.add, registration)


def is_ours(address: str) -> bool:
    return address.startswith(("/", f"{ISSUER}/"))


def go(visitor, address: str):
    """A browser navigation (no htmx) to `address`, through our own redirects: the page it
    stops at, or the redirect that leaves for the app."""
    while True:
        response = visitor.client.get(address, follow_redirects=False)
        if response.status_code != 303 or not is_ours(response.headers["location"]):
            return visitor._seen(response)
        address = response.headers["location"]


def on_from(visitor, response):
    """Where a form's answer takes the browser: htmx's HX-Redirect, or a plain 303."""
    address = response.headers.get("HX-Redirect") or (response.status_code == 303 and response.headers["location"])
    return go(visitor, address) if address and is_ours(address) else response


def left_for(response) -> str:
    """The app's address a response sends the browser to."""
    assert response.status_code == 303, (response.status_code, response.text[:300])
    location = response.headers["location"]
    assert not is_ours(location), location
    return location


START = {"response_type": "code", "scope": "openid", "redirect_uri": "https://prints.example/cb", "state": "s1"}
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636's example


def authorize_address(client_id: str, **changes) -> str:
    params = {**START, "client_id": client_id, "code_challenge": CHALLENGE, "code_challenge_method": "S256", **changes}
    return "/authorize?" + urlencode({name: value for name, value in params.items() if value is not None})
