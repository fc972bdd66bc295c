"""The apps registered to sign their users in here (OpenID Connect clients).

A confidential client's secret is shown once, when made, and kept as its
SHA-256: it is 32 random bytes, so a copy of the table cannot be turned back
into it, and checking it costs the token endpoint nothing (bcrypt is for
secrets people choose).
"""

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from databases import Database

from components.storage.database import oauth_clients
from components.storage.prepared import P, Statement, bound


@dataclass(frozen=True)
class Registration:
    """What an operator registers (`python app.py clients add`)."""

    name: str
    redirect_uris: tuple[str, ...]
    public: bool = False
    first_party: bool = False
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str | None = None
    id_token_alg: str = "RS256"


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    secret_hash: str | None
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    backchannel_logout_uri: str | None
    first_party: bool
    id_token_alg: str
    created_at: float

    @property
    def public(self) -> bool:
        """It keeps no secret (a browser or a phone app): PKCE is its proof."""
        return self.secret_hash is None

    def secret_matches(self, secret: str) -> bool:
        return self.secret_hash is not None and hmac.compare_digest(_hash(secret), self.secret_hash)

    def shown(self) -> dict[str, Any]:
        """As `clients list` prints it (never its secret, which is not kept)."""
        return {
            "client_id": self.client_id,
            "name": self.name,
            "public": self.public,
            "first_party": self.first_party,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "backchannel_logout_uri": self.backchannel_logout_uri,
            "id_token_signed_response_alg": self.id_token_alg,
        }


def client_from(row: Any) -> Client | None:
    if row is None:
        return None
    return Client(
        client_id=row["client_id"],
        name=row["name"],
        secret_hash=row["secret_hash"],
        redirect_uris=tuple(json.loads(row["redirect_uris"])),
        post_logout_redirect_uris=tuple(json.loads(row["post_logout_redirect_uris"])),
        backchannel_logout_uri=row["backchannel_logout_uri"],
        first_party=bool(row["first_party"]),
        id_token_alg=row["id_token_alg"],
        created_at=row["created_at"],
    )


def _by_id(client_id: P) -> Statement:
    return sa.select(oauth_clients).where(oauth_clients.c.client_id == client_id)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Clients:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def add(self, registration: Registration) -> tuple[Client, str | None]:
        """The new client, and its secret (None for a public one): the only time it is seen."""
        client_id = secrets.token_urlsafe(16)
        secret = None if registration.public else secrets.token_urlsafe(32)
        await self.db.execute(
            oauth_clients.insert().values(
                client_id=client_id,
                name=registration.name,
                secret_hash=secret and _hash(secret),
                redirect_uris=json.dumps(list(registration.redirect_uris)),
                post_logout_redirect_uris=json.dumps(list(registration.post_logout_redirect_uris)),
                backchannel_logout_uri=registration.backchannel_logout_uri,
                first_party=registration.first_party,
                id_token_alg=registration.id_token_alg,
                created_at=self.clock(),
            )
        )
        client = await self.get(client_id)
        assert client is not None
        return client, secret

    async def get(self, client_id: str) -> Client | None:
        return client_from(await self.db.fetch_one(bound(_by_id, client_id=client_id)))

    async def all(self) -> list[Client]:
        rows = await self.db.fetch_all(sa.select(oauth_clients).order_by(oauth_clients.c.created_at))
        return [client for row in rows if (client := client_from(row))]

    async def remove(self, client_id: str) -> bool:
        """The client goes, and with it every consent, grant and token it had (their rows cascade)."""
        query = oauth_clients.delete().where(oauth_clients.c.client_id == client_id).returning(oauth_clients.c.name)
        return await self.db.fetch_one(query) is not None

    async def rotate_secret(self, client_id: str) -> str | None:
        """A new secret for a confidential client (the old one stops working at once); None
        when there is no such client or it is public."""
        secret = secrets.token_urlsafe(32)
        query = (
            oauth_clients.update()
            .where(oauth_clients.c.client_id == client_id, oauth_clients.c.secret_hash.is_not(None))
            .values(secret_hash=_hash(secret))
            .returning(oauth_clients.c.client_id)
        )
        return secret if await self.db.fetch_one(query) else None
