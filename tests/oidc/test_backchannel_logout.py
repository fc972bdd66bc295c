"""Back-channel logout: when the account's sign-ins end here (sign out everywhere, a new
password, closing it), every app it signed in to that registered an address is told by a
signed logout token, through the outbox: retried while the app is down, never holding up
the visitor. The tokens are checked by PyJWT, an implementation apart from the one that signs."""

import jwt as pyjwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from support import JENNY, served

from components.flows import backchannel
from oidc.relying_party import ISSUER, RelyingParty, go, left_for

EVENT = "http://schemas.openid.net/event/backchannel-logout"


class ListeningApp:
    """An app's back-channel address: it keeps each logout token posted, and answers `status`."""

    def __init__(self):
        self.tokens: list[str] = []
        self.status = 200

    async def receive(self, request: Request) -> Response:
        form = await request.form()
        self.tokens.append(str(form["logout_token"]))
        return Response(status_code=self.status, headers={"Cache-Control": "no-store"})


@pytest.fixture
def listening():
    app = ListeningApp()
    with served(Starlette(routes=[Route("/backchannel", app.receive, methods=["POST"])]), "the app") as url:
        app.url = f"{url}/backchannel"
        yield app


@pytest.fixture
def signed_in_app(verified, server, register_app, listening):
    client, secret = register_app(first_party=True, backchannel_logout_uri=listening.url)
    app = RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
    app.token = app.finish(left_for(go(verified, app.start())))
    return app


def checked(server, app: RelyingParty, token: str) -> dict:
    """The logout token as a strict app checks it (Back-Channel Logout 1.0 §2.6)."""
    header = pyjwt.get_unverified_header(token)
    assert header["typ"] == "logout+jwt"
    keys = {key["kid"]: key for key in server.get("/jwks.json").json()["keys"]}
    key = pyjwt.PyJWK(keys[header["kid"]])
    claims = pyjwt.decode(
        token,
        key,
        algorithms=["RS256", "ES256"],
        audience=app.client_id,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["events"] == {EVENT: {}} and claims["jti"] and "nonce" not in claims
    return claims


def test_sign_out_everywhere_tells_every_app_the_account_signed_in_to(
    verified, server, signed_in_app, listening, outbox
):
    verified.post("/signout/everywhere")
    outbox.settle()
    assert len(listening.tokens) == 1
    assert checked(server, signed_in_app, listening.tokens[0])["sub"] == signed_in_app.token["userinfo"]["sub"]


def test_a_new_password_and_closing_the_account_tell_the_app_too(verified, server, signed_in_app, listening, outbox):
    verified.post(
        "/account/password", {"current_password": JENNY["password"], "new_password": "another good passphrase"}
    )
    outbox.settle()
    verified.post("/account/close", {"confirm": "yes", "password": "another good passphrase"})
    outbox.settle()
    assert len(listening.tokens) == 2
    assert {checked(server, signed_in_app, token)["sub"] for token in listening.tokens} == {
        signed_in_app.token["userinfo"]["sub"]
    }


def test_closing_the_account_revokes_every_token_at_once(verified, server, signed_in_app):
    bearer = {"Authorization": f"Bearer {signed_in_app.token['access_token']}"}
    assert server.get("/userinfo", headers=bearer).status_code == 200
    verified.post("/account/close", {"confirm": "yes", "password": JENNY["password"]})
    assert server.get("/userinfo", headers=bearer).status_code == 401


def test_an_app_that_is_down_is_told_later_and_the_visitor_is_not_held_up(
    verified, server, signed_in_app, listening, outbox, clock
):
    listening.status = 503
    page = verified.post("/signout/everywhere")
    assert page.context["step"] == "signin"
    outbox.settle()
    assert len(listening.tokens) == 1  # tried once, refused
    listening.status = 200
    assert server.portal.call(backchannel.deliver_due, server.app.state.services) == 0  # not before its wait
    clock.advance(3600)
    assert server.portal.call(backchannel.deliver_due, server.app.state.services) == 1
    assert len(listening.tokens) == 2
    clock.advance(3600)
    assert server.portal.call(backchannel.deliver_due, server.app.state.services) == 0  # taken: never again


def test_an_app_that_refuses_the_token_is_not_asked_again(verified, server, signed_in_app, listening, outbox, clock):
    listening.status = 400
    verified.post("/signout/everywhere")
    outbox.settle()
    clock.advance(3600)
    assert server.portal.call(backchannel.deliver_due, server.app.state.services) == 0
    assert len(listening.tokens) == 1


def test_an_app_without_a_back_channel_address_is_owed_nothing(verified, server, register_app, outbox):
    client, secret = register_app(first_party=True)
    app = RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
    app.finish(left_for(go(verified, app.start())))
    verified.post("/signout/everywhere")
    outbox.settle()
    assert server.portal.call(backchannel.deliver_due, server.app.state.services) == 0
