"""Accounts: stored unverified at signup, verified once the code is right."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from databases import Database

from components.storage.database import insert, users


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    password_hash: str
    phone: str
    country: str
    created_at: float
    code_sent_at: float | None
    verified_at: float | None
    code_failures: int = 0
    failed_checks: int = 0
    locked_until: float | None = None
    session_version: int = 0

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def locked(self, now: float) -> bool:
        return self.locked_until is not None and self.locked_until > now


def _user(record) -> User | None:
    return User(**{field: record[field] for field in User.__dataclass_fields__}) if record else None


class Users:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def get(self, user_id: int) -> User | None:
        return _user(await self.db.fetch_one(users.select().where(users.c.id == user_id)))

    async def by_email(self, email: str) -> User | None:
        return _user(await self.db.fetch_one(users.select().where(users.c.email == email)))

    async def create(self, *, email: str, name: str, password_hash: str, phone: str, country: str) -> User | None:
        """The new unverified account, or None when the email is already taken."""
        query = (
            insert(self.db, users)
            .values(
                email=email, name=name, password_hash=password_hash,
                phone=phone, country=country, created_at=self.clock(),
            )
            .on_conflict_do_nothing(index_elements=["email"])
            .returning(*users.c)
        )
        return _user(await self.db.fetch_one(query))

    async def update_pending(self, user_id: int, *, phone: str, country: str, name: str | None = None) -> User | None:
        """New details for an unverified signup; a new number may be sent a code at once."""
        values = {
            "phone": phone,
            "country": country,
            "code_sent_at": sa.case((users.c.phone == phone, users.c.code_sent_at), else_=None),
        }
        if name is not None:
            values["name"] = name
        query = (
            users.update()
            .where(users.c.id == user_id, users.c.verified_at.is_(None))
            .values(**values)
            .returning(*users.c)
        )
        return _user(await self.db.fetch_one(query))

    async def claim_send(self, user_id: int, cooldown: float) -> User | None:
        """Take the right to send a code now (the account as it is then); None while
        the last send is too recent. A new code gets a fresh set of tries (the count
        in a row goes on)."""
        now = self.clock()
        query = (
            users.update()
            .where(
                users.c.id == user_id,
                users.c.verified_at.is_(None),
                sa.or_(users.c.code_sent_at.is_(None), users.c.code_sent_at <= now - cooldown),
            )
            .values(code_sent_at=now, code_failures=0)
            .returning(*users.c)
        )
        return _user(await self.db.fetch_one(query))

    async def release_send(self, user_id: int) -> User | None:
        """A send that failed does not count against the cooldown."""
        query = users.update().where(users.c.id == user_id).values(code_sent_at=None).returning(*users.c)
        return _user(await self.db.fetch_one(query))

    async def claim_check(self, user_id: int, max_failures: int) -> User | None:
        """Count a check as failed before it runs, so racing guesses cannot pass the limits
        (the account with the try counted); None when this code is out of tries or the
        account is locked."""
        now = self.clock()
        query = (
            users.update()
            .where(
                users.c.id == user_id,
                users.c.verified_at.is_(None),
                users.c.code_failures < max_failures,
                sa.or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
            )
            .values(code_failures=users.c.code_failures + 1, failed_checks=users.c.failed_checks + 1)
            .returning(*users.c)
        )
        return _user(await self.db.fetch_one(query))

    async def uncount_check(self, user_id: int) -> None:
        """The check did not judge the code (expired, provider down): it was no failure."""
        await self.db.execute(
            users.update()
            .where(users.c.id == user_id, users.c.code_failures > 0)
            .values(code_failures=users.c.code_failures - 1, failed_checks=users.c.failed_checks - 1)
        )

    async def lock_if_failing(self, user_id: int, failures_in_a_row: int, seconds: float) -> User | None:
        """Lock verification once the failures in a row reach the limit: the locked account, else None."""
        now = self.clock()
        query = (
            users.update()
            .where(users.c.id == user_id, users.c.failed_checks >= failures_in_a_row)
            .values(locked_until=now + seconds, failed_checks=0)
            .returning(*users.c)
        )
        return _user(await self.db.fetch_one(query))

    async def purge_unverified(self, created_before: float) -> None:
        """Signups never finished in time give their email back."""
        await self.db.execute(
            users.delete().where(users.c.verified_at.is_(None), users.c.created_at < created_before)
        )

    async def end_sessions(self, user_id: int) -> None:
        await self.db.execute(
            users.update().where(users.c.id == user_id).values(session_version=users.c.session_version + 1)
        )

    async def mark_verified(self, user_id: int) -> User | None:
        """The verified account, for the one request that verified it; None for any other."""
        query = (
            users.update()
            .where(users.c.id == user_id, users.c.verified_at.is_(None))
            .values(verified_at=self.clock(), code_sent_at=None, code_failures=0, failed_checks=0)
            .returning(*users.c)
        )
        return _user(await self.db.fetch_one(query))
