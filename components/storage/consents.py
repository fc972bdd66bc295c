"""What each account allowed each app to know, until the account removes the app.

First-party apps are never asked, but are recorded all the same, so the
account page lists every app that can sign its owner in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from databases import Database

from components.storage.database import oauth_clients, oauth_consents, oauth_grants, transaction
from components.storage.prepared import P, Statement, bound, insert_for


@dataclass(frozen=True)
class Allowed:
    """An app on the account page: its name, since when, and what it may know."""

    client_id: str
    name: str
    since: float
    scopes: frozenset[str]


def _scope(user_id: P, client_id: P) -> Statement:
    return sa.select(oauth_consents.c.scope).where(
        oauth_consents.c.user_id == user_id, oauth_consents.c.client_id == client_id
    )


def _allow(dialect: str, user_id: P, client_id: P, scope: P, now: P) -> Any:  # either dialect's Insert
    statement = insert_for(dialect)(oauth_consents).values(
        user_id=user_id, client_id=client_id, scope=scope, created_at=now
    )
    return statement.on_conflict_do_update(index_elements=["user_id", "client_id"], set_={"scope": scope})


def _of_account(user_id: P) -> Statement:
    joined = oauth_consents.join(oauth_clients, oauth_clients.c.client_id == oauth_consents.c.client_id)
    return (
        sa.select(oauth_consents.c.client_id, oauth_clients.c.name, oauth_consents.c.created_at, oauth_consents.c.scope)
        .select_from(joined)
        .where(oauth_consents.c.user_id == user_id)
        .order_by(oauth_consents.c.created_at)
    )


class Consents:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def scopes(self, user_id: int, client_id: str) -> frozenset[str]:
        """What the account has allowed the app (nothing: never asked, or removed)."""
        found = await self.db.fetch_val(bound(_scope, user_id=user_id, client_id=client_id))
        return frozenset(found.split()) if found else frozenset()

    async def allow(self, user_id: int, client_id: str, scopes: frozenset[str]) -> None:
        """The app may know `scopes` from now on, beside what it was allowed before (an
        upsert: two tabs allowing at once leave one row; the later may drop a scope only the
        earlier added, which is then asked again, never granted unasked). `since` stays the first time."""
        existing = await self.scopes(user_id, client_id)
        if scopes <= existing:
            return
        scope = " ".join(sorted(scopes | existing))
        await self.db.execute(bound(_allow, user_id=user_id, client_id=client_id, scope=scope, now=self.clock()))

    async def of_account(self, user_id: int) -> list[Allowed]:
        return [
            Allowed(row["client_id"], row["name"], row["created_at"], frozenset(row["scope"].split()))
            for row in await self.db.fetch_all(bound(_of_account, user_id=user_id))
        ]

    async def remove(self, user_id: int, client_id: str) -> bool:
        """The app can no longer sign the account in without asking, and every token it
        holds for the account ends now. False when it was not allowed."""
        async with transaction(self.db):
            gone = await self.db.fetch_one(
                oauth_consents.delete()
                .where(oauth_consents.c.user_id == user_id, oauth_consents.c.client_id == client_id)
                .returning(oauth_consents.c.client_id)
            )
            await self.db.execute(
                oauth_grants.delete().where(oauth_grants.c.user_id == user_id, oauth_grants.c.client_id == client_id)
            )
        return gone is not None
