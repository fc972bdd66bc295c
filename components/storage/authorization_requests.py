"""Authorization requests waiting for their visitor to sign in, sign up or allow the app.

The session holds a random key; the row, its SHA-256 and the request as it was
checked. So the request survives every step of a signup (codes, resends, a
different number) without riding in an address the visitor could edit, and
expires on its own.
"""

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from databases import Database

from components.storage.database import authorization_requests, deleted
from components.storage.prepared import P, Statement, batch_deleted, bound


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _keep(key_hash: P, client_id: P, params: P, expires_at: P) -> Statement:
    return authorization_requests.insert().values(
        key_hash=key_hash, client_id=client_id, params=params, expires_at=expires_at
    )


def _get(key_hash: P, now: P) -> Statement:
    return sa.select(authorization_requests.c.params).where(
        authorization_requests.c.key_hash == key_hash, authorization_requests.c.expires_at > now
    )


def _drop(key_hash: P) -> Statement:
    return authorization_requests.delete().where(authorization_requests.c.key_hash == key_hash)


def _forget_old(now: P, most: P) -> Statement:
    return batch_deleted(authorization_requests, most, authorization_requests.c.expires_at < now)


class AuthorizationRequests:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def keep(self, client_id: str, params: dict[str, Any], seconds: float) -> str:
        """The request kept for `seconds`; its key, for the session."""
        key = secrets.token_urlsafe(24)
        expires_at = self.clock() + seconds
        await self.db.execute(
            bound(_keep, key_hash=_hash(key), client_id=client_id, params=json.dumps(params), expires_at=expires_at)
        )
        return key

    async def get(self, key: str) -> dict[str, Any] | None:
        """The request, while it lasts."""
        found = await self.db.fetch_val(bound(_get, key_hash=_hash(key), now=self.clock()))
        return json.loads(found) if found else None

    async def drop(self, key: str) -> None:
        await self.db.execute(bound(_drop, key_hash=_hash(key)))

    async def forget_old(self, batch: int) -> int:
        return await deleted(self.db, bound(_forget_old, now=self.clock(), most=batch))
