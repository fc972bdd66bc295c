"""Back-channel logouts owed to apps: queued with the change that causes them, claimed
by one sender at a time (storage/leases.py, as the outbox's texts are), and kept a
week after they settle."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from databases import Database

from components.storage.database import deleted, logout_notices, oauth_clients, oauth_consents, users
from components.storage.leases import claim_due
from components.storage.prepared import P, Statement, batch_deleted, bound


@dataclass(frozen=True)
class Owed:
    id: int
    client_id: str
    subject: str
    attempts: int


def _queue(user_id: P, now: P) -> Statement:
    """One row for each app the account allowed (or used, if first-party) that takes back-channel logouts."""
    apps = (
        sa.select(oauth_consents.c.client_id, users.c.subject, sa.literal("waiting"), now, now)
        .select_from(
            oauth_consents.join(oauth_clients, oauth_clients.c.client_id == oauth_consents.c.client_id).join(
                users, users.c.id == oauth_consents.c.user_id
            )
        )
        .where(
            oauth_consents.c.user_id == user_id,
            oauth_clients.c.backchannel_logout_uri.is_not(None),
            users.c.subject.is_not(None),
        )
    )
    columns = ["client_id", "subject", "status", "next_attempt_at", "created_at"]
    return logout_notices.insert().from_select(columns, apps).returning(logout_notices.c.id)


def _claim(dialect: str, now: P, most: P, until: P) -> Statement:
    """Leases the due logouts it returns (storage/leases.py)."""
    return claim_due(logout_notices, dialect, now, most, until).returning(
        logout_notices.c.id, logout_notices.c.client_id, logout_notices.c.subject, logout_notices.c.attempts
    )


def _settle(notice_id: P, status: P) -> Statement:
    return logout_notices.update().where(logout_notices.c.id == notice_id).values(status=status, claimed_until=None)


def _retry_at(notice_id: P, when: P) -> Statement:
    return (
        logout_notices.update().where(logout_notices.c.id == notice_id).values(next_attempt_at=when, claimed_until=None)
    )


def _forget_old(before: P, most: P) -> Statement:
    return batch_deleted(
        logout_notices, most, logout_notices.c.created_at < before, logout_notices.c.status != "waiting"
    )


class LogoutNotices:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def queue_for_account(self, user_id: int) -> int:
        """Every app the account signed in to that takes back-channel logouts is owed one: how many."""
        return len(await self.db.fetch_all(bound(_queue, user_id=user_id, now=self.clock())))

    async def claim(self, most: int, lease_seconds: float) -> list[Owed]:
        now = self.clock()
        rows = await self.db.fetch_all(bound(_claim, now=now, most=most, until=now + lease_seconds))
        return [Owed(row["id"], row["client_id"], row["subject"], row["attempts"]) for row in rows]

    async def sent(self, notice_id: int) -> None:
        await self.db.execute(bound(_settle, notice_id=notice_id, status="sent"))

    async def give_up(self, notice_id: int) -> None:
        await self.db.execute(bound(_settle, notice_id=notice_id, status="failed"))

    async def retry_at(self, notice_id: int, when: float) -> None:
        await self.db.execute(bound(_retry_at, notice_id=notice_id, when=when))

    async def forget_old(self, before: float, batch: int) -> int:
        return await deleted(self.db, bound(_forget_old, before=before, most=batch))
