"""Session records: a row per signed-in browser (or browser whose signup it is).

The cookie carries a random token; only its SHA-256 is stored, so the table
opens no session by itself. A session counts while its row exists: closing it
ends that browser's session and every copy of its cookie.
"""

import hashlib
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from databases import Database

from components.storage.database import sessions, users
from components.storage.prepared import P, Statement, bound
from components.storage.users import User, user_from


# The statements: storage/prepared.py builds and compiles each once per database.
def _open(token_hash: P, user_id: P, now: P) -> Statement:
    return sessions.insert().values(token_hash=token_hash, user_id=user_id, created_at=now)


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


def _forget_old(created_before: P) -> Statement:
    return sessions.delete().where(sessions.c.created_at < created_before).returning(sessions.c.token_hash)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionRecords:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def open(self, user_id: int) -> str:
        token = secrets.token_urlsafe(32)
        await self.db.execute(bound(_open, token_hash=_hash(token), user_id=user_id, now=self.clock()))
        return token

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

    async def forget_old(self, created_before: float) -> int:
        """Sessions past their lifetime are refused anyway; their rows can go: how many."""
        return len(await self.db.fetch_all(bound(_forget_old, created_before=created_before)))
