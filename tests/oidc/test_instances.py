"""Several instances on one database (PostgreSQL, in production) are one provider: the
same signing keys, and a code one issued is redeemed at another."""

import asyncio

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from app import create_app
from components.oidc.keys import KeyRing
from components.storage.database import signing_keys
from oidc.relying_party import RelyingParty, go, left_for


def test_a_code_from_one_instance_is_redeemed_at_another_and_checked_against_its_keys(
    verified, server, register_app, settings, outbox, clock
):
    client, secret = register_app(first_party=True)
    with TestClient(create_app(settings, sender=outbox, clock=clock)) as other:  # its lifespan finds the keys made
        assert other.get("/jwks.json").json() == server.get("/jwks.json").json()
        app = RelyingParty(other, client.client_id, secret, redirect_uri="https://prints.example/cb")
        token = app.finish(left_for(go(verified, app.start())))  # the code from the first, the tokens from the other
        assert token["userinfo"]["phone_number_verified"] is True
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert server.get("/userinfo", headers=bearer).json()["sub"] == token["userinfo"]["sub"]


@pytest.mark.anyio
async def test_instances_starting_together_make_one_key_for_each_algorithm(db, settings, clock):
    rings = [KeyRing(db, settings.app_secret, clock) for _ in range(3)]
    await asyncio.gather(*(ring.ensure() for ring in rings))
    rows = await db.fetch_all(sa.select(signing_keys.c.alg, signing_keys.c.kid))
    assert sorted(row["alg"] for row in rows) == ["ES256", "RS256"]
    signers = {(await ring.signer("RS256")).kid for ring in rings}
    assert len(signers) == 1


@pytest.mark.anyio
async def test_keys_sealed_under_another_secret_are_replaced_not_used(db, settings, clock):
    await KeyRing(db, settings.app_secret, clock).ensure()
    rotated_secret = KeyRing(db, "another-secret-" + "y" * 40, clock)
    await rotated_secret.ensure()
    assert len(await rotated_secret.keys()) == 2  # its own, one per algorithm
    assert len(await db.fetch_all(sa.select(signing_keys))) == 4
