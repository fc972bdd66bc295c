"""What apps leave behind is cleared out once it no longer counts: expired tokens, grants
with nothing left alive, abandoned sign-in requests; a live refresh token keeps its grant."""

import sqlalchemy as sa

from components.housekeeping import tidy
from components.storage.database import authorization_requests, oauth_grants, oauth_tokens
from oidc.relying_party import RelyingParty, go, left_for


def count(server, table) -> int:
    db = server.app.state.services.db
    return server.portal.call(db.fetch_val, sa.select(sa.func.count()).select_from(table))


def test_expired_tokens_and_their_grants_go_and_a_live_refresh_token_keeps_its_own(
    verified, server, register_app, clock, new_visitor
):
    services = server.app.state.services
    client, secret = register_app(first_party=True)
    online = RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
    offline = RelyingParty(
        server, client.client_id, secret, redirect_uri="https://prints.example/cb", scope="openid offline_access"
    )
    online.finish(left_for(go(verified, online.start())))
    offline.finish(left_for(go(verified, offline.start())))
    go(new_visitor(), online.start())  # a sign-in request nobody finishes
    assert (count(server, oauth_grants), count(server, oauth_tokens), count(server, authorization_requests)) == (
        2,
        3,
        1,
    )
    clock.advance(3600)
    done = server.portal.call(tidy, services).cleared
    assert done["app tokens and grants"] == 3 and done["app sign-in requests"] == 1
    assert (count(server, oauth_grants), count(server, oauth_tokens)) == (1, 1)  # the refresh token's, alive


def test_a_code_never_traded_goes_with_its_grant_and_a_revoked_last_token_takes_its_grant(
    verified, server, register_app, clock
):
    services = server.app.state.services
    client, secret = register_app(first_party=True)
    app = RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
    left_for(go(verified, app.start()))  # a code the app never trades
    tokens = app.finish(left_for(go(verified, app.start())))
    assert count(server, oauth_grants) == 2
    revoked = server.post("/revoke", data={"token": tokens["access_token"]}, auth=(client.client_id, secret))
    assert revoked.status_code == 200
    assert count(server, oauth_grants) == 1  # the access token was its grant's only one: no purge would find it
    assert server.portal.call(tidy, services).cleared["app tokens and grants"] == 0  # the unused code still has time
    clock.advance(120)
    assert server.portal.call(tidy, services).cleared["app tokens and grants"] == 1
    assert count(server, oauth_grants) == 0
