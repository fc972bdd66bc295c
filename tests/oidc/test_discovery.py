"""How apps find the provider and its keys: discovery lists only what is there, the
JWKS holds every key a live token may name, and a rotation reaches a client that
caches the JWKS before any token is signed with the new key."""

import base64
import json
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from app import create_app
from oidc.relying_party import ISSUER, RelyingParty, go, left_for


def test_discovery_names_the_issuer_and_only_what_is_supported(server):
    answer = server.get("/.well-known/openid-configuration")
    document = answer.json()
    assert document["issuer"] == ISSUER  # exactly: no trailing slash
    assert document["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}
    assert {"phone_number", "phone_number_verified", "email_verified", "amr"} <= set(document["claims_supported"])
    assert document["authorization_response_iss_parameter_supported"] is True
    for endpoint in ("token_endpoint", "userinfo_endpoint", "jwks_uri", "revocation_endpoint"):
        assert server.options(document[endpoint].removeprefix(ISSUER)).status_code == 204


def test_the_issuer_is_public_url_when_it_is_set(settings, clock, outbox):
    with TestClient(
        create_app(replace(settings, public_url="https://accounts.example/"), sender=outbox, clock=clock)
    ) as other:
        assert other.get("/.well-known/openid-configuration").json()["issuer"] == "https://accounts.example"


@pytest.mark.parametrize("path", ["/.well-known/openid-configuration", "/jwks.json"])
def test_discovery_and_the_jwks_are_readable_from_any_origin_and_cacheable(server, path):
    answer = server.get(path, headers={"Origin": "https://spa.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Cache-Control"].startswith("public, max-age=")


def test_the_jwks_publishes_public_keys_only(server):
    keys = server.get("/jwks.json").json()["keys"]
    assert {key["kty"] for key in keys} == {"RSA", "EC"}
    assert all("d" not in key and key["use"] == "sig" and key["kid"] for key in keys)


def test_a_client_that_asked_for_es256_gets_es256_id_tokens(verified, server, register_app):
    client, secret = register_app(first_party=True, id_token_alg="ES256")
    app = RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
    location = left_for(go(verified, app.start()))
    token = app.finish(location)
    assert _header(token)["alg"] == "ES256"


def test_after_a_rotation_a_client_caching_the_jwks_still_checks_every_token(verified, server, register_app, clock):
    client, secret = register_app(first_party=True)
    app = RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
    first = app.finish(left_for(go(verified, app.start())))  # the client now holds the JWKS
    cached = {key["kid"] for key in app.server_metadata["jwks"]["keys"]}
    keys = server.app.state.services.keys
    server.portal.call(keys.rotate)
    clock.advance(61)
    during_grace = app.finish(left_for(go(verified, app.start())))  # still the old key: the cache does
    assert _kid(during_grace) == _kid(first) and _kid(first) in cached
    clock.advance(1800)
    go(verified, "/")  # the browser's session is kept alive
    clock.advance(1800)
    after = app.finish(left_for(go(verified, app.start())))  # the new key: the client fetches it again
    assert _kid(after) != _kid(first)
    assert _kid(after) in {key["kid"] for key in app.server_metadata["jwks"]["keys"]}
    # The old key stays published while a token it signed may live, then goes.
    assert _kid(first) in {key["kid"] for key in server.get("/jwks.json").json()["keys"]}
    clock.advance(1800)
    server.portal.call(keys.drop_retired)
    clock.advance(61)
    assert _kid(first) not in {key["kid"] for key in server.get("/jwks.json").json()["keys"]}


def _header(token: dict) -> dict:
    header = token["id_token"].split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))


def _kid(token: dict) -> str:
    return _header(token)["kid"]
