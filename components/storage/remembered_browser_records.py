"""Remembered browsers ("don't ask for a code on this browser"), a row each: its cookie
(components/remembered_browsers.py) names the row, so the owner sees each one, with its
browser, network and last use, and can forget one; a forgotten or expired row remembers
nothing, whatever its cookie says."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from databases import Database

from components.browsers import Browser
from components.storage.database import deleted, remembered_browsers
from components.storage.prepared import P, Statement, batch_deleted, bound


@dataclass(frozen=True)
class Remembered:
    id: str
    device: str
    network: str
    created_at: float
    used_at: float
    expires_at: float


def _add(id: P, user_id: P, device: P, network: P, now: P, expires_at: P) -> Statement:
    return remembered_browsers.insert().values(
        id=id, user_id=user_id, device=device, network=network, created_at=now, used_at=now, expires_at=expires_at
    )


def _used(id: P, user_id: P, now: P) -> Statement:
    """Still there, for this account and in time: its use noted (one statement)."""
    return (
        remembered_browsers.update()
        .where(
            remembered_browsers.c.id == id,
            remembered_browsers.c.user_id == user_id,
            remembered_browsers.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(remembered_browsers.c.id)
    )


def _of_account(user_id: P, now: P) -> Statement:
    columns = [remembered_browsers.c[name] for name in Remembered.__dataclass_fields__]
    return (
        sa.select(*columns)
        .where(remembered_browsers.c.user_id == user_id, remembered_browsers.c.expires_at > now)
        .order_by(remembered_browsers.c.used_at.desc())
    )


def _forget(user_id: P, id: P) -> Statement:
    return (
        remembered_browsers.delete()
        .where(remembered_browsers.c.user_id == user_id, remembered_browsers.c.id == id)
        .returning(remembered_browsers.c.id)
    )


def _forget_others(user_id: P, id: P) -> Statement:
    return remembered_browsers.delete().where(remembered_browsers.c.user_id == user_id, remembered_browsers.c.id != id)


def _forget_old(now: P, most: P) -> Statement:
    return batch_deleted(remembered_browsers, most, remembered_browsers.c.expires_at < now)


class RememberedBrowserRecords:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def add(self, user_id: int, browser: Browser, seconds: float) -> str:
        id, now = secrets.token_urlsafe(12), self.clock()
        query = bound(
            _add,
            id=id,
            user_id=user_id,
            device=browser.device,
            network=browser.network,
            now=now,
            expires_at=now + seconds,
        )
        await self.db.execute(query)
        return id

    async def used(self, id: str, user_id: int) -> bool:
        """Whether the row the cookie names still remembers this browser for the account."""
        return await self.db.fetch_one(bound(_used, id=id, user_id=user_id, now=self.clock())) is not None

    async def of_account(self, user_id: int) -> list[Remembered]:
        rows = await self.db.fetch_all(bound(_of_account, user_id=user_id, now=self.clock()))
        return [Remembered(**{field: row[field] for field in Remembered.__dataclass_fields__}) for row in rows]

    async def forget(self, user_id: int, id: str) -> bool:
        return bool(await self.db.fetch_all(bound(_forget, user_id=user_id, id=id)))

    async def forget_others(self, user_id: int, keep: str) -> None:
        await self.db.execute(bound(_forget_others, user_id=user_id, id=keep))

    async def forget_all(self, user_id: int) -> None:
        await self.db.execute(remembered_browsers.delete().where(remembered_browsers.c.user_id == user_id))

    async def forget_old(self, batch: int) -> int:
        return await deleted(self.db, bound(_forget_old, now=self.clock(), most=batch))
