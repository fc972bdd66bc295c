"""Accounts: stored unverified at signup, verified once the code is right."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from databases import Database

from components.database import insert, users


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

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


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

    async def claim_send(self, user_id: int, cooldown: float) -> bool:
        """Take the right to send a code now; False while the last send is too recent."""
        now = self.clock()
        query = (
            users.update()
            .where(
                users.c.id == user_id,
                users.c.verified_at.is_(None),
                sa.or_(users.c.code_sent_at.is_(None), users.c.code_sent_at <= now - cooldown),
            )
            .values(code_sent_at=now)
            .returning(users.c.id)
        )
        return await self.db.fetch_one(query) is not None

    async def release_send(self, user_id: int) -> None:
        """A send that failed does not count against the cooldown."""
        await self.db.execute(users.update().where(users.c.id == user_id).values(code_sent_at=None))

    async def mark_verified(self, user_id: int) -> bool:
        """True for the one request that verified the account."""
        query = (
            users.update()
            .where(users.c.id == user_id, users.c.verified_at.is_(None))
            .values(verified_at=self.clock(), code_sent_at=None)
            .returning(users.c.id)
        )
        return await self.db.fetch_one(query) is not None
