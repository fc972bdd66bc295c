"""The token endpoint, revocation and userinfo: what an app's server gets, and every refusal.
The app is authlib's client; refusals are also posted by hand, as a careless or hostile
caller would."""

import base64
import hashlib

import pytest
from support import JENNY

from oidc.relying_party import ISSUER, RelyingParty, authorize_address, back_at_app, go, left_for

TOKEN_FORM = {"grant_type": "authorization_code", "redirect_uri": "https://prints.example/cb"}


@pytest.fixture
def allowed(verified, prints):
    """The account has allowed the app once: its next sign-in goes straight back with a code."""
    page = go(verified, prints.start())
    verified._seen(page)
    verified.client.post("/authorize/consent", data={"csrf_token": verified.token, "decision": "allow"})
    return verified


def new_code(visitor, app: RelyingParty, **params) -> str:
    return back_at_app(left_for(go(visitor, app.start(**params))))["code"]


def post_token(server, data: dict, *, auth: tuple[str, str] | None = None, headers: dict | None = None):
    sent = dict(headers or {})
    if auth:
        sent["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    return server.post("/token", data=data, headers=sent)


def exchange(server, app: RelyingParty, code: str, **changes):
    data = {**TOKEN_FORM, "code": code, "code_verifier": app.started["code_verifier"], **changes}
    return post_token(server, data, auth=(app.client_id, app.client_secret))


def test_the_token_answer_is_bearer_uncached_with_a_checked_id_token(allowed, prints, server):
    code = new_code(allowed, prints)
    answer = exchange(server, prints, code)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600 and "refresh_token" not in body
    claims = prints.parse_id_token(body, nonce=prints.started["nonce"])
    assert claims["iss"] == ISSUER and claims["aud"] == prints.client_id
    assert isinstance(claims["exp"], int) and isinstance(claims["iat"], int) and claims["auth_time"]
    assert claims["sub"] != "1" and len(claims["sub"]) >= 32  # not the row id: it reveals nothing


def test_the_subject_is_the_same_at_every_sign_in(allowed, prints):
    first = prints.finish(left_for(go(allowed, prints.start())))["userinfo"]["sub"]
    assert prints.finish(left_for(go(allowed, prints.start())))["userinfo"]["sub"] == first


def test_a_nonce_other_than_the_requests_fails_the_client_librarys_check(allowed, prints, server):
    body = exchange(server, prints, new_code(allowed, prints)).json()
    with pytest.raises(Exception, match="nonce"):
        prints.parse_id_token(body, nonce="another-nonce")


def test_secret_in_the_form_works_as_well_as_basic(allowed, prints, server):
    code = new_code(allowed, prints)
    data = {**TOKEN_FORM, "code": code, "code_verifier": prints.started["code_verifier"]}
    answer = post_token(server, {**data, "client_id": prints.client_id, "client_secret": prints.client_secret})
    assert answer.status_code == 200


@pytest.mark.parametrize("how", ["basic", "post", "none"])
def test_a_wrong_client_secret_is_invalid_client(allowed, prints, server, how):
    code = new_code(allowed, prints)
    data = {**TOKEN_FORM, "code": code, "code_verifier": prints.started["code_verifier"]}
    if how == "basic":
        answer = post_token(server, data, auth=(prints.client_id, "wrong"))
        assert answer.headers["WWW-Authenticate"].startswith("Basic")
    elif how == "post":
        answer = post_token(server, {**data, "client_id": prints.client_id, "client_secret": "wrong"})
    else:  # a confidential client must prove itself
        answer = post_token(server, {**data, "client_id": prints.client_id})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert exchange(server, prints, code).status_code == 200  # the code was not spent


def test_a_code_used_twice_is_refused_and_revokes_what_the_first_use_issued(allowed, prints, server):
    code = new_code(allowed, prints)
    first = exchange(server, prints, code).json()
    again = exchange(server, prints, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert server.get("/userinfo", headers={"Authorization": f"Bearer {first['access_token']}"}).status_code == 401


def test_a_code_past_60_seconds_is_refused(allowed, prints, server, clock):
    code = new_code(allowed, prints)
    clock.advance(61)
    assert exchange(server, prints, code).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "changes",
    [
        {"code_verifier": None},
        {"code_verifier": "x" * 43},
        {"redirect_uri": "https://prints.example/other"},
        {"code": "not-a-code"},
    ],
    ids=["no-verifier", "wrong-verifier", "other-redirect-uri", "unknown-code"],
)
def test_a_code_with_the_wrong_binding_is_refused_and_stays_usable(allowed, prints, server, changes):
    code = new_code(allowed, prints)
    data = {**TOKEN_FORM, "code": code, "code_verifier": prints.started["code_verifier"], **changes}
    sent = {name: value for name, value in data.items() if value is not None}
    refused = post_token(server, sent, auth=(prints.client_id, prints.client_secret))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert exchange(server, prints, code).status_code == 200


def test_another_clients_code_is_refused(allowed, prints, server, register_app):
    other, secret = register_app(name="Other")
    code = new_code(allowed, prints)
    data = {**TOKEN_FORM, "code": code, "code_verifier": prints.started["code_verifier"]}
    assert post_token(server, data, auth=(other.client_id, secret)).json()["error"] == "invalid_grant"


def test_a_verifier_for_a_code_asked_without_a_challenge_is_refused(allowed, prints, server):
    """A confidential client may skip PKCE; a verifier then is a downgrade attempt (RFC 9700 §4.8.2)."""
    without = authorize_address(prints.client_id, code_challenge=None, code_challenge_method=None, nonce="n")
    code = back_at_app(left_for(go(allowed, without)))["code"]
    data = {**TOKEN_FORM, "code": code, "code_verifier": "v" * 43}
    assert post_token(server, data, auth=(prints.client_id, prints.client_secret)).json()["error"] == "invalid_grant"
    del data["code_verifier"]
    assert post_token(server, data, auth=(prints.client_id, prints.client_secret)).status_code == 200


def test_a_public_client_proves_itself_with_pkce_alone(verified, server, register_app):
    client, _ = register_app(public=True, first_party=True)
    app = RelyingParty(server, client.client_id, None, redirect_uri="https://prints.example/cb")
    token = app.finish(left_for(go(verified, app.start())))
    assert token["userinfo"]["phone_number_verified"] is True


def test_an_unknown_grant_type_and_a_repeated_parameter_are_refused(allowed, prints, server):
    auth = (prints.client_id, prints.client_secret)
    assert post_token(server, {"grant_type": "password"}, auth=auth).json()["error"] == "unsupported_grant_type"
    repeated = server.post(
        "/token",
        content="grant_type=authorization_code&code=a&code=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"


# Refresh tokens: only with offline_access, rotated, and a reused one ends the family.


@pytest.fixture
def offline(verified, server, register_app):
    client, secret = register_app(first_party=True)
    return RelyingParty(
        server, client.client_id, secret, redirect_uri="https://prints.example/cb", scope="openid phone offline_access"
    )


def refresh(server, app: RelyingParty, refresh_token: str):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return post_token(server, data, auth=(app.client_id, app.client_secret))


def test_a_refresh_token_comes_only_with_offline_access_and_rotates(verified, offline, server):
    token = offline.finish(left_for(go(verified, offline.start())))
    renewed = refresh(server, offline, token["refresh_token"])
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["refresh_token"] != token["refresh_token"] and body["id_token"]
    claims = offline.parse_id_token(body, nonce=None)
    assert claims["sub"] == token["userinfo"]["sub"] and "nonce" not in claims
    assert refresh(server, offline, body["refresh_token"]).status_code == 200


def test_a_reused_refresh_token_revokes_its_whole_family(verified, offline, server):
    token = offline.finish(left_for(go(verified, offline.start())))
    stolen = token["refresh_token"]
    latest = refresh(server, offline, stolen).json()
    reused = refresh(server, offline, stolen)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert refresh(server, offline, latest["refresh_token"]).status_code == 400
    bearer = {"Authorization": f"Bearer {latest['access_token']}"}
    assert server.get("/userinfo", headers=bearer).status_code == 401


# Revocation (RFC 7009).


def test_revoking_a_refresh_token_ends_its_access_tokens_too(verified, offline, server):
    token = offline.finish(left_for(go(verified, offline.start())))
    auth = "Basic " + base64.b64encode(f"{offline.client_id}:{offline.client_secret}".encode()).decode()
    revoked = server.post("/revoke", data={"token": token["refresh_token"]}, headers={"Authorization": auth})
    assert revoked.status_code == 200
    assert server.get("/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 401
    assert refresh(server, offline, token["refresh_token"]).status_code == 400


def test_revoking_an_unknown_token_is_no_error(prints, server):
    auth = "Basic " + base64.b64encode(f"{prints.client_id}:{prints.client_secret}".encode()).decode()
    assert server.post("/revoke", data={"token": "nothing"}, headers={"Authorization": auth}).status_code == 200


# Userinfo (RFC 6750 errors).


def test_userinfo_answers_get_and_post_with_the_scopes_claims(allowed, prints, server):
    body = exchange(server, prints, new_code(allowed, prints)).json()
    by_get = server.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    by_post = server.post("/userinfo", data={"access_token": body["access_token"]})
    assert by_get.json() == by_post.json()
    assert by_get.json()["email"] == JENNY["email"] and by_get.headers["Cache-Control"] == "no-store"


def test_userinfo_refuses_a_missing_or_bad_token_as_rfc_6750_says(server, clock, allowed, prints):
    missing = server.get("/userinfo")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == 'Bearer realm="userinfo"'
    bad = server.get("/userinfo", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
    body = exchange(server, prints, new_code(allowed, prints)).json()
    clock.advance(601)
    expired = server.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert expired.status_code == 401


def test_at_hash_is_the_left_half_of_the_access_tokens_sha256(allowed, prints, server):
    body = exchange(server, prints, new_code(allowed, prints)).json()
    claims = prints.parse_id_token(body, nonce=prints.started["nonce"])
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# Limits: guessing an app's secret from one address soon waits (tests/oidc/test_token_limits.py: one app's calls).


def test_wrong_secrets_from_one_address_soon_wait_even_with_the_right_one(prints, server, settings):
    data = {"grant_type": "refresh_token", "refresh_token": "x"}
    for _ in range(settings.client_auth_failures_per_address_hour):
        assert post_token(server, data, auth=(prints.client_id, "guess")).status_code == 401
    refused = post_token(server, data, auth=(prints.client_id, prints.client_secret))
    assert refused.status_code == 429 and refused.json()["error"] == "slow_down"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
