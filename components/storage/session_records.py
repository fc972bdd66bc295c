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
from components.storage.prepared import statement
from components.storage.users import User, user_from

# Each statement is built once (storage/prepared.py); a method gives it its values.
_open = statement(
    lambda token_hash, user_id, now: sessions.insert().values(token_hash=token_hash, user_id=user_id, created_at=now)
)
_account = statement(
    lambda token_hash, user_id: (
        sa.select(users)
        .select_from(users.join(sessions, sessions.c.user_id == users.c.id))
        .where(sessions.c.token_hash == token_hash, users.c.id == user_id)
    )
)
_rotate = statement(
    lambda token_hash, fresh_hash, now: (
        sessions.update()
        .where(sessions.c.token_hash == token_hash)
        .values(token_hash=fresh_hash, created_at=now)
        .returning(sessions.c.user_id)
    )
)
_close = statement(lambda token_hash: sessions.delete().where(sessions.c.token_hash == token_hash))
_forget_old = statement(
    lambda created_before: (
        sessions.delete().where(sessions.c.created_at < created_before).returning(sessions.c.token_hash)
    )
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionRecords:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def open(self, user_id: int) -> str:
        token = secrets.token_urlsafe(32)
        await self.db.execute(_open(token_hash=_hash(token), user_id=user_id, now=self.clock()))
        return token

    async def account(self, token: str, user_id: int) -> User | None:
        """The account whose session this is, in one read; None once the session was closed."""
        return user_from(await self.db.fetch_one(_account(token_hash=_hash(token), user_id=user_id)))

    async def rotate(self, token: str) -> str | None:
        """The same session under a new token (the old one's cookie stops working): one
        statement. None when the old one is gone."""
        fresh = secrets.token_urlsafe(32)
        query = _rotate(token_hash=_hash(token), fresh_hash=_hash(fresh), now=self.clock())
        return fresh if await self.db.fetch_one(query) else None

    async def close(self, token: str) -> None:
        await self.db.execute(_close(token_hash=_hash(token)))

    async def close_all(self, user_id: int, *, keep: str | None = None) -> None:
        """Every session of the account ends (but `keep`'s, when given)."""
        query = sessions.delete().where(sessions.c.user_id == user_id)
        if keep:
            query = query.where(sessions.c.token_hash != _hash(keep))
        await self.db.execute(query)

    async def forget_old(self, created_before: float) -> int:
        """Sessions past their lifetime are refused anyway; their rows can go: how many."""
        return len(await self.db.fetch_all(_forget_old(created_before=created_before)))
