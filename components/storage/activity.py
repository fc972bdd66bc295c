"""An account's security events, for its owner to read: sign-ins, refused passwords
(one row a day, counted), changes to the password, number, passkeys and apps, and
sessions ended. Nothing secret is in a row: a device name, a network, a passkey's or
an app's name. Kept ACTIVITY_DAYS (housekeeping), gone with the account (its key cascades)."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from databases import Database

from components.browsers import Browser
from components.durations import DAY
from components.storage.database import activity, deleted
from components.storage.prepared import P, Statement, batch_deleted, bound

REFUSED = "password-refused"


@dataclass(frozen=True)
class Event:
    kind: str
    at: float
    device: str
    network: str
    detail: str
    count: int


def _record(user_id: P, kind: P, at: P, device: P, network: P, detail: P) -> Statement:
    return activity.insert().values(user_id=user_id, kind=kind, at=at, device=device, network=network, detail=detail)


def _counted(user_id: P, since: P, at: P, network: P) -> Statement:
    return (
        activity.update()
        .where(activity.c.user_id == user_id, activity.c.kind == REFUSED, activity.c.at > since)
        .values(count=activity.c.count + 1, at=at, network=network)
        .returning(activity.c.id)
    )


def _of_account(user_id: P, since: P, most: P) -> Statement:
    columns = [activity.c[name] for name in Event.__dataclass_fields__]
    return (
        sa.select(*columns)
        .where(activity.c.user_id == user_id, activity.c.at > since)
        .order_by(activity.c.at.desc(), activity.c.id.desc())
        .limit(most)
    )


def _forget_old(before: P, most: P) -> Statement:
    return batch_deleted(activity, most, activity.c.at < before)


class Activity:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def record(self, user_id: int, kind: str, browser: Browser | None = None, detail: str = "") -> None:
        device, network = (browser.device, browser.network) if browser else ("", "")
        query = bound(
            _record, user_id=user_id, kind=kind, at=self.clock(), device=device, network=network, detail=detail[:100]
        )
        await self.db.execute(query)

    async def password_refused(self, user_id: int, network: str) -> None:
        """Counted on the day's row (one statement); a new row when there is none. Two refusals
        racing to a day without a row may make two rows: each counts its own, none is lost."""
        now = self.clock()
        if await self.db.fetch_one(bound(_counted, user_id=user_id, since=now - DAY, at=now, network=network)):
            return
        await self.db.execute(
            bound(_record, user_id=user_id, kind=REFUSED, at=now, device="", network=network, detail="")
        )

    async def of_account(self, user_id: int, days: int, most: int) -> list[Event]:
        """The newest first, of the last `days`."""
        query = bound(_of_account, user_id=user_id, since=self.clock() - days * DAY, most=most)
        return [
            Event(**{field: row[field] for field in Event.__dataclass_fields__})
            for row in await self.db.fetch_all(query)
        ]

    async def forget_old(self, before: float, batch: int) -> int:
        """Up to `batch` events older than `before`: how many went."""
        return await deleted(self.db, bound(_forget_old, before=before, most=batch))
