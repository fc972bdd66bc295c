"""Nothing that signs anyone in is kept or logged in clear: authorization codes, access
and refresh tokens, apps' secrets and the private signing keys."""

import json
import logging

import sqlalchemy as sa

from components.storage.database import (
    authorization_requests,
    oauth_clients,
    oauth_consents,
    oauth_grants,
    oauth_tokens,
    signing_keys,
)
from oidc.relying_party import RelyingParty, back_at_app, go, left_for


def test_no_code_token_secret_or_private_key_in_clear_in_the_database_or_logs(verified, server, register_app, caplog):
    caplog.set_level(logging.DEBUG)
    client, secret = register_app(first_party=True)
    app = RelyingParty(
        server, client.client_id, secret, redirect_uri="https://prints.example/cb", scope="openid phone offline_access"
    )
    location = left_for(go(verified, app.start()))
    code = back_at_app(location)["code"]
    token = app.finish(location)
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    renewed = server.post("/token", data=refresh, auth=(client.client_id, secret)).json()

    db = server.app.state.services.db
    tables = (oauth_clients, authorization_requests, oauth_consents, oauth_grants, oauth_tokens, signing_keys)
    stored = json.dumps(
        [dict(row._mapping) for table in tables for row in server.portal.call(db.fetch_all, sa.select(table))]
    )
    secrets = [
        code,
        secret,
        token["access_token"],
        token["refresh_token"],
        renewed["access_token"],
        renewed["refresh_token"],
    ]
    for value in secrets:
        assert value not in stored and value not in caplog.text
    assert "PRIVATE KEY" not in stored and "PRIVATE KEY" not in caplog.text
