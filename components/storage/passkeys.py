"""Passkeys kept for accounts, and the WebAuthn challenges they answer.

Only public keys are here. A challenge row is bound to the session key of the
browser that asked for it and is deleted as it is checked (one statement), so
an answer works once, from that browser, within its minutes.
"""

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from databases import Database

from components.storage.database import deleted, passkey_challenges, passkeys, users
from components.storage.prepared import P, Statement, batch_deleted, bound
from components.storage.users import User, user_from


@dataclass(frozen=True)
class Passkey:
    credential_id: str
    user_id: int
    public_key: str
    sign_count: int
    backed_up: bool
    name: str
    created_at: float
    last_used_at: float | None


def _passkey_from(row: Any) -> Passkey:
    return Passkey(**{field: row[field] for field in Passkey.__dataclass_fields__})


PASSKEY_COLUMNS = [passkeys.c[field] for field in Passkey.__dataclass_fields__]


# The statements: storage/prepared.py builds and compiles each once per database.
def _handle(user_id: P, fresh: P) -> Statement:
    return (
        users.update()
        .where(users.c.id == user_id)
        .values(passkey_handle=sa.func.coalesce(users.c.passkey_handle, fresh))
        .returning(users.c.passkey_handle)
    )


def _of_account(user_id: P) -> Statement:
    return sa.select(*PASSKEY_COLUMNS).where(passkeys.c.user_id == user_id).order_by(passkeys.c.created_at)


def _with_account(credential_id: P) -> Statement:
    joined = passkeys.join(users, users.c.id == passkeys.c.user_id)
    labelled = [column.label(f"passkey_{column.name}") for column in PASSKEY_COLUMNS]
    return sa.select(users, *labelled).select_from(joined).where(passkeys.c.credential_id == credential_id)


def _count(user_id: P) -> Statement:
    return sa.select(sa.func.count()).select_from(passkeys).where(passkeys.c.user_id == user_id)


def _used(credential_id: P, seen: P, count: P, now: P) -> Statement:
    """The counter moves on only from the value this check read: of two answers racing, one."""
    return (
        passkeys.update()
        .where(passkeys.c.credential_id == credential_id, passkeys.c.sign_count == seen)
        .values(sign_count=count, last_used_at=now)
        .returning(passkeys.c.credential_id)
    )


def _challenge(challenge: P, session_key: P, purpose: P, user_id: P, expires_at: P) -> Statement:
    return passkey_challenges.insert().values(
        challenge=challenge, session_key=session_key, purpose=purpose, user_id=user_id, expires_at=expires_at
    )


def _take_challenge(challenge: P, session_key: P, purpose: P, now: P) -> Statement:
    return (
        passkey_challenges.delete()
        .where(
            passkey_challenges.c.challenge == challenge,
            passkey_challenges.c.session_key == session_key,
            passkey_challenges.c.purpose == purpose,
            passkey_challenges.c.expires_at > now,
        )
        .returning(passkey_challenges.c.user_id)
    )


def _forget_challenges(now: P, most: P) -> Statement:
    return batch_deleted(passkey_challenges, most, passkey_challenges.c.expires_at < now)


class Passkeys:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def handle(self, user_id: int) -> str:
        """The account's user handle: made at its first passkey (one statement: two at once agree)."""
        return str(await self.db.fetch_val(bound(_handle, user_id=user_id, fresh=secrets.token_urlsafe(32))))

    async def of_account(self, user_id: int) -> list[Passkey]:
        return [_passkey_from(row) for row in await self.db.fetch_all(bound(_of_account, user_id=user_id))]

    async def with_account(self, credential_id: str) -> tuple[Passkey, User, str] | None:
        """The passkey, its account and the account's user handle (None: no such passkey, or it
        was removed, or the account closed)."""
        row = await self.db.fetch_one(bound(_with_account, credential_id=credential_id))
        if row is None:
            return None
        user = user_from(row)
        assert user is not None
        passkey = _passkey_from({field: row[f"passkey_{field}"] for field in Passkey.__dataclass_fields__})
        return passkey, user, str(row["passkey_handle"])

    async def add(self, passkey: Passkey, most: int) -> bool:
        """Kept, unless the account already has `most` (False). Inside the caller's transaction,
        which holds the account's row (PostgreSQL) or the one writer (SQLite) from the count to
        the insert, so two at once cannot pass the cap."""
        if self.db.url.dialect == "postgresql":
            await self.db.execute(sa.select(users.c.id).where(users.c.id == passkey.user_id).with_for_update())
        if await self.db.fetch_val(bound(_count, user_id=passkey.user_id)) >= most:
            return False
        await self.db.execute(passkeys.insert().values(**passkey.__dict__))
        return True

    async def used(self, passkey: Passkey, count: int) -> bool:
        """The authenticator's new counter, and when; False when another answer moved it first."""
        query = bound(
            _used, credential_id=passkey.credential_id, seen=passkey.sign_count, count=count, now=self.clock()
        )
        return await self.db.fetch_one(query) is not None

    async def rename(self, user_id: int, credential_id: str, name: str) -> bool:
        query = (
            passkeys.update()
            .where(passkeys.c.user_id == user_id, passkeys.c.credential_id == credential_id)
            .values(name=name)
            .returning(passkeys.c.credential_id)
        )
        return await self.db.fetch_one(query) is not None

    async def remove(self, user_id: int, credential_id: str) -> Passkey | None:
        """The passkey goes (it no longer signs in); None when the account has no such passkey."""
        query = (
            passkeys.delete()
            .where(passkeys.c.user_id == user_id, passkeys.c.credential_id == credential_id)
            .returning(*PASSKEY_COLUMNS)
        )
        row = await self.db.fetch_one(query)
        return _passkey_from(row) if row else None

    async def challenge(self, session_key: str, purpose: str, user_id: int | None, seconds: float) -> bytes:
        """A new challenge for this session and purpose (for this account, when it is known)."""
        raw = secrets.token_bytes(32)
        await self.db.execute(
            bound(
                _challenge,
                challenge=_b64(raw),
                session_key=session_key,
                purpose=purpose,
                user_id=user_id,
                expires_at=self.clock() + seconds,
            )
        )
        return raw

    async def take_challenge(self, challenge: str, session_key: str, purpose: str) -> tuple[bool, int | None]:
        """(found, its account): the challenge is used up here, if it was this session's, for this
        purpose, and still in time."""
        query = bound(_take_challenge, challenge=challenge, session_key=session_key, purpose=purpose, now=self.clock())
        row = await self.db.fetch_one(query)
        return (row is not None, row["user_id"] if row else None)

    async def forget_old(self, batch: int) -> int:
        return await deleted(self.db, bound(_forget_challenges, now=self.clock(), most=batch))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
