"""Session records: a row per signed-in browser (or browser whose signup it is).

The cookie carries a random token; only its SHA-256 is stored, so the table
opens no session by itself. A session counts while its row exists: closing it
ends that browser's session and every copy of its cookie. Each row also says,
for its owner's devices page, which browser it is, from which network, how it
signed in and when it was last seen (`public_id` names it in a form).
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from databases import Database

from components.browsers import UNKNOWN, Browser
from components.storage.database import deleted, sessions, users
from components.storage.prepared import P, Statement, batch_deleted, bound
from components.storage.users import User, user_from


@dataclass(frozen=True)
class SignedIn:
    """One browser's session, as its owner's devices page shows it."""

    public_id: str
    signed_in_at: float
    seen_at: float
    device: str
    network: str
    method: str
    this: bool  # the browser looking at the page


# The statements: storage/prepared.py builds and compiles each once per database.
def _open(token_hash: P, user_id: P, now: P, public_id: P, device: P, network: P, method: P) -> Statement:
    return sessions.insert().values(
        token_hash=token_hash,
        user_id=user_id,
        created_at=now,
        public_id=public_id,
        signed_in_at=now,
        seen_at=now,
        device=device,
        network=network,
        method=method,
    )


def _of_account(user_id: P) -> Statement:
    return sa.select(sessions).where(sessions.c.user_id == user_id).order_by(sessions.c.created_at.desc())


def _seen(token_hash: P, now: P, network: P) -> Statement:
    return sessions.update().where(sessions.c.token_hash == token_hash).values(seen_at=now, network=network)


def _close_one(user_id: P, public_id: P) -> Statement:
    """Another browser's session, of this account only."""
    return (
        sessions.delete()
        .where(sessions.c.user_id == user_id, sessions.c.public_id == public_id)
        .returning(sessions.c.device)
    )


def _close_others(user_id: P, token_hash: P) -> Statement:
    return (
        sessions.delete()
        .where(sessions.c.user_id == user_id, sessions.c.token_hash != token_hash)
        .returning(sessions.c.token_hash)
    )


def _account(token_hash: P, user_id: P) -> Statement:
    joined = users.join(sessions, sessions.c.user_id == users.c.id)
    return sa.select(users).select_from(joined).where(sessions.c.token_hash == token_hash, users.c.id == user_id)


def _rotate(token_hash: P, fresh_hash: P, now: P) -> Statement:
    return (
        sessions.update()
        .where(sessions.c.token_hash == token_hash)
        .values(token_hash=fresh_hash, created_at=now)
        .returning(sessions.c.user_id)
    )


def _close(token_hash: P) -> Statement:
    return sessions.delete().where(sessions.c.token_hash == token_hash)


def _close_all(user_id: P) -> Statement:
    return sessions.delete().where(sessions.c.user_id == user_id)


def _forget_old(created_before: P, most: P) -> Statement:
    return batch_deleted(sessions, most, sessions.c.created_at < created_before)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionRecords:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def open(self, user_id: int, browser: Browser = UNKNOWN, method: str = "") -> str:
        token = secrets.token_urlsafe(32)
        query = bound(
            _open,
            token_hash=_hash(token),
            user_id=user_id,
            now=self.clock(),
            public_id=secrets.token_urlsafe(12),
            device=browser.device,
            network=browser.network,
            method=method,
        )
        await self.db.execute(query)
        return token

    async def of_account(self, user_id: int, token: str) -> list[SignedIn]:
        """The account's signed-in browsers, newest first; `token`'s is this one."""
        rows = await self.db.fetch_all(bound(_of_account, user_id=user_id))
        mine = _hash(token)
        return [
            SignedIn(
                public_id=row["public_id"] or "",
                signed_in_at=row["signed_in_at"] or row["created_at"],
                seen_at=row["seen_at"] or row["created_at"],
                device=row["device"] or "",
                network=row["network"] or "",
                method=row["method"] or "",
                this=row["token_hash"] == mine,
            )
            for row in rows
        ]

    async def seen(self, token: str, network: str) -> None:
        """This browser was here just now (called at most every few minutes: one write)."""
        await self.db.execute(bound(_seen, token_hash=_hash(token), now=self.clock(), network=network))

    async def close_one(self, user_id: int, public_id: str) -> str | None:
        """Another browser of the account signed out: its device (None: no such session any more)."""
        row = await self.db.fetch_one(bound(_close_one, user_id=user_id, public_id=public_id))
        return None if row is None else str(row["device"] or "")

    async def close_others(self, user_id: int, token: str) -> int:
        """Every session of the account but this one ends: how many."""
        return len(await self.db.fetch_all(bound(_close_others, user_id=user_id, token_hash=_hash(token))))

    async def account(self, token: str, user_id: int) -> User | None:
        """The account whose session this is, in one read; None once the session was closed."""
        return user_from(await self.db.fetch_one(bound(_account, token_hash=_hash(token), user_id=user_id)))

    async def rotate(self, token: str) -> str | None:
        """The same session under a new token (the old one's cookie stops working): one
        statement. None when the old one is gone."""
        fresh = secrets.token_urlsafe(32)
        query = bound(_rotate, token_hash=_hash(token), fresh_hash=_hash(fresh), now=self.clock())
        return fresh if await self.db.fetch_one(query) else None

    async def close(self, token: str) -> None:
        await self.db.execute(bound(_close, token_hash=_hash(token)))

    async def close_all(self, user_id: int) -> None:
        """Every session of the account ends."""
        await self.db.execute(bound(_close_all, user_id=user_id))

    async def forget_old(self, created_before: float, batch: int) -> int:
        """Up to `batch` sessions past their lifetime (refused anyway): how many went."""
        return await deleted(self.db, bound(_forget_old, created_before=created_before, most=batch))
