"""Grants: one sign-in of an account to an app, its authorization code and the
tokens it led to.

Codes and tokens are random and kept only as SHA-256, so a copy of the tables
signs nobody in. A grant row owns its tokens (they cascade): revoking the grant
(a code used twice, a refresh token shown again, the app removed) ends every
token it issued in one statement.
"""

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from databases import Database

from components.storage.database import deleted, oauth_grants, oauth_tokens, transaction, users
from components.storage.prepared import P, Statement, batch_deleted, bound
from components.storage.users import User, user_from

TokenKind = Literal["access", "refresh"]


@dataclass(frozen=True)
class Grant:
    id: str
    client_id: str
    user_id: int
    scope: str
    nonce: str | None
    redirect_uri: str
    code_challenge: str | None
    code_expires_at: float
    code_used: bool
    auth_time: float
    amr: tuple[str, ...]

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())


@dataclass(frozen=True)
class Holder:
    """Whose an access token is."""

    user: User
    subject: str
    grant: Grant


@dataclass(frozen=True)
class Issued:
    """Tokens made for a grant, in clear: only the answer to the app ever holds them."""

    access_token: str
    refresh_token: str | None


def _grant_from(row: Any) -> Grant:
    return Grant(
        id=row["id"],
        client_id=row["client_id"],
        user_id=row["user_id"],
        scope=row["scope"],
        nonce=row["nonce"],
        redirect_uri=row["redirect_uri"],
        code_challenge=row["code_challenge"],
        code_expires_at=row["code_expires_at"],
        code_used=bool(row["code_used"]),
        auth_time=row["auth_time"],
        amr=tuple(row["amr"].split()),
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


GRANT_COLUMNS = [column for column in oauth_grants.c if column.name != "code_hash"]


# The statements: storage/prepared.py builds and compiles each once per database.
def _by_code(code_hash: P, client_id: P) -> Statement:
    return sa.select(*GRANT_COLUMNS).where(oauth_grants.c.code_hash == code_hash, oauth_grants.c.client_id == client_id)


def _start(
    grant_id: P,
    client_id: P,
    user_id: P,
    scope: P,
    nonce: P,
    redirect_uri: P,
    code_challenge: P,
    code_hash: P,
    expires_at: P,
    auth_time: P,
    amr: P,
) -> Statement:
    return oauth_grants.insert().values(
        id=grant_id,
        client_id=client_id,
        user_id=user_id,
        scope=scope,
        nonce=nonce,
        redirect_uri=redirect_uri,
        code_challenge=code_challenge,
        code_hash=code_hash,
        code_expires_at=expires_at,
        code_used=False,
        auth_time=auth_time,
        amr=amr,
        expires_at=expires_at,
    )


def _redeem(grant_id: P, now: P) -> Statement:
    return (
        oauth_grants.update()
        .where(oauth_grants.c.id == grant_id, sa.not_(oauth_grants.c.code_used), oauth_grants.c.code_expires_at > now)
        .values(code_used=True)
        .returning(oauth_grants.c.id)
    )


def _revoke(grant_id: P) -> Statement:
    return oauth_grants.delete().where(oauth_grants.c.id == grant_id)


def _add_tokens(rows: list[dict[str, P]]) -> Statement:
    return oauth_tokens.insert().values(rows)


def _token(token_hash: P) -> Statement:
    joined = oauth_tokens.join(oauth_grants, oauth_grants.c.id == oauth_tokens.c.grant_id)
    return (
        sa.select(
            oauth_tokens.c.grant_id,
            oauth_tokens.c.kind,
            oauth_tokens.c.used,
            oauth_grants.c.client_id,
            oauth_grants.c.scope,
        )
        .select_from(joined)
        .where(oauth_tokens.c.token_hash == token_hash)
    )


def _drop_token(token_hash: P) -> Statement:
    return oauth_tokens.delete().where(oauth_tokens.c.token_hash == token_hash).returning(oauth_tokens.c.grant_id)


def _use_refresh(token_hash: P, client_id: P, now: P) -> Statement:
    # Its grant, found by its key (an IN over the client's grants read them all).
    mine = sa.select(oauth_grants.c.id).where(
        oauth_grants.c.id == oauth_tokens.c.grant_id, oauth_grants.c.client_id == client_id
    )
    return (
        oauth_tokens.update()
        .where(
            oauth_tokens.c.token_hash == token_hash,
            oauth_tokens.c.kind == "refresh",
            sa.not_(oauth_tokens.c.used),
            oauth_tokens.c.expires_at > now,
            mine.exists(),
        )
        .values(used=True)
        .returning(oauth_tokens.c.grant_id)
    )


def _grant(grant_id: P) -> Statement:
    return sa.select(*GRANT_COLUMNS).where(oauth_grants.c.id == grant_id)


def _access(token_hash: P, now: P) -> Statement:
    joined = oauth_tokens.join(oauth_grants, oauth_grants.c.id == oauth_tokens.c.grant_id).join(
        users, users.c.id == oauth_grants.c.user_id
    )
    return (
        sa.select(users, *(column.label(f"grant_{column.name}") for column in GRANT_COLUMNS))
        .select_from(joined)
        .where(
            oauth_tokens.c.token_hash == token_hash, oauth_tokens.c.kind == "access", oauth_tokens.c.expires_at > now
        )
    )


def _forget_unredeemed(now: P, most: P) -> Statement:
    """Grants whose code expired unused (none has a token): by their partial index, without
    reading the many grants whose tokens live on."""
    return batch_deleted(oauth_grants, most, sa.not_(oauth_grants.c.code_used), oauth_grants.c.expires_at < now)


def _expired_tokens(now: P, most: P) -> Statement:
    """Up to `most` tokens past their time, with their grants (to see whether any is left)."""
    return (
        sa.select(oauth_tokens.c.token_hash, oauth_tokens.c.grant_id).where(oauth_tokens.c.expires_at < now).limit(most)
    )


def _forget_tokens(token_hashes: list[str], now: float) -> Statement:
    """Those tokens, if still past their time. Read first and deleted by key, not returned
    by the DELETE: on SQLite that would hold the writer while Python took each row
    (storage.database.deleted). Not prepared, as `_forget_emptied`."""
    return oauth_tokens.delete().where(oauth_tokens.c.token_hash.in_(token_hashes), oauth_tokens.c.expires_at < now)


def _forget_emptied(grant_ids: list[str]) -> Statement:
    """Of these grants (their code used), those with no token left: nothing lives on them, and
    their code used again is refused as unknown. Not prepared: a list of up to a batch's grants,
    for housekeeping and revocation, never a page."""
    alive = sa.select(oauth_tokens.c.token_hash).where(oauth_tokens.c.grant_id == oauth_grants.c.id)
    return oauth_grants.delete().where(oauth_grants.c.id.in_(grant_ids), ~alive.exists())


class Grants:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def start(
        self,
        *,
        client_id: str,
        user_id: int,
        scope: str,
        nonce: str | None,
        redirect_uri: str,
        code_challenge: str | None,
        auth_time: float,
        amr: tuple[str, ...],
        code_seconds: float,
    ) -> str:
        """A grant and its authorization code (returned: it goes to the app once, in the redirect)."""
        code = secrets.token_urlsafe(32)
        expires_at = self.clock() + code_seconds
        await self.db.execute(
            bound(
                _start,
                grant_id=secrets.token_hex(16),
                client_id=client_id,
                user_id=user_id,
                scope=scope,
                nonce=nonce,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge,
                code_hash=token_hash(code),
                expires_at=expires_at,
                auth_time=auth_time,
                amr=" ".join(amr),
            )
        )
        return code

    async def by_code(self, code: str, client_id: str) -> Grant | None:
        """The grant of this client whose code this is (used, expired or not)."""
        row = await self.db.fetch_one(bound(_by_code, code_hash=token_hash(code), client_id=client_id))
        return _grant_from(row) if row else None

    async def redeem(self, grant: Grant, expiries: Mapping[TokenKind, float]) -> Issued | None:
        """The code's one use: it is marked used and the tokens are made, in one transaction.
        The conditional UPDATE lets one of two racing requests through; None for the other
        (and for a code past its time)."""
        now = self.clock()
        async with transaction(self.db):
            if await self.db.fetch_one(bound(_redeem, grant_id=grant.id, now=now)) is None:
                return None
            return await self._issue(grant.id, expiries)

    async def refresh(
        self, refresh_token: str, client_id: str, expiries: Mapping[TokenKind, float]
    ) -> tuple[Grant, Issued] | None:
        """A refresh token's one use: marked used (one statement, so of two racing uses one
        wins) and new tokens made for its grant. None when it is not a live, unused refresh
        token of this client."""
        now = self.clock()
        async with transaction(self.db):
            used = await self.db.fetch_one(
                bound(_use_refresh, token_hash=token_hash(refresh_token), client_id=client_id, now=now)
            )
            if used is None:
                return None
            row = await self.db.fetch_one(bound(_grant, grant_id=used["grant_id"]))
            assert row is not None  # the token's own grant: it cascades with it
            grant = _grant_from(row)
            return grant, await self._issue(grant.id, expiries)

    async def _issue(self, grant_id: str, expiries: Mapping[TokenKind, float]) -> Issued:
        made = {kind: secrets.token_urlsafe(32) for kind in expiries}
        rows = [
            {
                "token_hash": token_hash(token),
                "grant_id": grant_id,
                "kind": kind,
                "expires_at": expiries[kind],
                "used": False,
            }
            for kind, token in made.items()
        ]
        await self.db.execute(bound(_add_tokens, rows=rows))
        return Issued(made["access"], made.get("refresh"))

    async def token(self, token: str) -> Any:
        """What a token is (its grant, client and scope, its kind, whether used), whatever its state."""
        return await self.db.fetch_one(bound(_token, token_hash=token_hash(token)))

    async def drop_token(self, token: str) -> None:
        """The token ends; its grant too, if that was its last (no purge would find it later)."""
        dropped = [row[0] for row in await self.db.fetch_all(bound(_drop_token, token_hash=token_hash(token)))]
        if dropped:
            await self.db.execute(_forget_emptied(dropped))

    async def revoke(self, grant_id: str) -> None:
        """The grant and every token it issued end at once."""
        await self.db.execute(bound(_revoke, grant_id=grant_id))

    async def access(self, access_token: str) -> Holder | None:
        """The account, what apps know it by, and the grant of a live access token, in one read."""
        row = await self.db.fetch_one(bound(_access, token_hash=token_hash(access_token), now=self.clock()))
        if row is None:
            return None
        user = user_from(row)
        assert user is not None
        grant = _grant_from({column.name: row[f"grant_{column.name}"] for column in GRANT_COLUMNS})
        return Holder(user, row["subject"], grant)

    async def forget_old(self, batch: int) -> int:
        """Up to `batch` tokens past their time and the grants they leave empty, and up to
        `batch` grants whose code expired unused: how many of all."""
        now = self.clock()
        expired = await self.db.fetch_all(bound(_expired_tokens, now=now, most=batch))
        tokens = await deleted(self.db, _forget_tokens([row[0] for row in expired], now)) if expired else 0
        grants = sorted({row[1] for row in expired})
        emptied = await deleted(self.db, _forget_emptied(grants)) if grants else 0
        return tokens + emptied + await deleted(self.db, bound(_forget_unredeemed, now=now, most=batch))
