"""Texts and their delivery: the outbox of texts still to send, and the status
each provider reports for what it took.

Statuses only move forward: each has a rank, and an update applies only to a
row of lower rank, in one statement, so a callback that arrives late or twice
changes nothing. The outbox hands each due text to one sender at a time: a
claim is one statement that leases the rows it takes (on PostgreSQL skipping
rows another instance is claiming), and a lease that runs out (its sender
died) makes the text due again.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from databases import Database

from components.storage.database import ERROR_CODE_LENGTH, deleted, messages
from components.storage.leases import claim_due
from components.storage.prepared import P, Statement, batch_deleted, bound

# Twilio's statuses of an outbound text, and of a call, in the order they can happen;
# 'waiting' is ours (in the outbox, no provider has it yet). From FINAL on, a status is final.
RANKS = {
    "waiting": 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "initiated": 1,
    "sending": 2,
    "ringing": 2,
    "sent": 3,
    "in-progress": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "completed": 4,
    "busy": 4,
    "no-answer": 4,
    "read": 5,
}
FINAL = 4


# The statements: storage/prepared.py builds and compiles each once per database.
def _new(now: P, **values: object) -> sa.Insert:
    """A text's row, made now."""
    return messages.insert().values(**values, created_at=now, updated_at=now)


def _queue(user_id: P, to: P, body: P, now: P) -> Statement:
    fields = {"user_id": user_id, "kind": "text", "to_number": to, "body": body}
    return _new(now, **fields, status="waiting", rank=0, next_attempt_at=now)


def _record_code(user_id: P, to: P, sid: P, status: P, rank: P, channel: P, now: P) -> Statement:
    fields = {"user_id": user_id, "kind": "code", "channel": channel, "to_number": to}
    return _new(now, **fields, status=status, rank=rank, provider_sid=sid)


def _latest_code(user_id: P, to: P) -> Statement:
    return (
        sa.select(messages.c.status, messages.c.error_code, messages.c.updated_at, messages.c.channel)
        .where(messages.c.user_id == user_id, messages.c.kind == "code", messages.c.to_number == to)
        .order_by(messages.c.id.desc())
        .limit(1)
    )


def _report(sid: P, status: P, rank: P, error_code: P, now: P) -> Statement:
    return (
        messages.update()
        .where(messages.c.provider_sid == sid, messages.c.rank < rank)
        .values(status=status, rank=rank, error_code=error_code, updated_at=now)
        .returning(messages.c.id)
    )


def _claim(dialect: str, now: P, most: P, until: P) -> Statement:
    """Leases the due texts it returns (storage/leases.py)."""
    return claim_due(messages, dialect, now, most, until, updated_at=now).returning(
        messages.c.id, messages.c.user_id, messages.c.to_number, messages.c.body, messages.c.attempts
    )


def _still_waiting(message_id: P) -> sa.Update:
    return messages.update().where(messages.c.id == message_id, messages.c.status == "waiting")


def _handed_over(message_id: P, sid: P, status: P, rank: P, now: P) -> Statement:
    return _still_waiting(message_id).values(
        status=status, rank=rank, provider_sid=sid, body=None, claimed_until=None, updated_at=now
    )


def _retry_at(message_id: P, when: P, now: P) -> Statement:
    return _still_waiting(message_id).values(next_attempt_at=when, claimed_until=None, updated_at=now)


def _give_up(message_id: P, now: P) -> Statement:
    return _still_waiting(message_id).values(status="failed", rank=FINAL, body=None, claimed_until=None, updated_at=now)


def _codes_sent_since(since: P) -> Statement:
    return sa.select(messages.c.to_number).where(messages.c.kind == "code", messages.c.created_at >= since)


def _forget_old(before: P, most: P) -> Statement:
    # By when it was made (indexed): one made before then and no longer waiting was settled long ago.
    return batch_deleted(messages, most, messages.c.created_at < before, messages.c.status != "waiting")


@dataclass(frozen=True)
class Delivery:
    status: str
    error_code: str | None
    updated_at: float
    channel: str = "sms"

    @property
    def final(self) -> bool:
        return RANKS[self.status] >= FINAL


@dataclass(frozen=True)
class Queued:
    id: int
    user_id: int | None
    to: str
    body: str
    attempts: int


class Messages:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def queue(self, user_id: int, to: str, body: str) -> None:
        """A text for the outbox; inside the transaction of the change that causes it."""
        await self.db.execute(bound(_queue, user_id=user_id, to=to, body=body, now=self.clock()))

    async def record_code(self, user_id: int, to: str, sid: str | None, status: str, channel: str = "sms") -> None:
        """A code the provider took: its text's or call's progress (never its body);
        'untracked': one no status will come for."""
        rank = RANKS.get(status, FINAL)
        query = bound(
            _record_code, user_id=user_id, to=to, sid=sid, status=status, rank=rank, channel=channel, now=self.clock()
        )
        await self.db.execute(query)

    async def latest_code(self, user_id: int, to: str) -> Delivery | None:
        row = await self.db.fetch_one(bound(_latest_code, user_id=user_id, to=to))
        return Delivery(row["status"], row["error_code"], row["updated_at"], row["channel"]) if row else None

    async def report(self, sid: str, status: str, error_code: str | None) -> bool:
        """A provider's news of a text; False when it is old news (or not ours)."""
        rank = RANKS.get(status)
        if rank is None or not sid:
            return False
        kept = error_code[:ERROR_CODE_LENGTH] if error_code else None  # whatever it holds: never a fault
        moved = await self.db.fetch_one(
            bound(_report, sid=sid, status=status, rank=rank, error_code=kept, now=self.clock())
        )
        return moved is not None

    async def claim(self, most: int, lease_seconds: float) -> list[Queued]:
        """Due texts for this sender alone, until its lease runs out. One statement:
        two senders never take the same text while a lease holds."""
        now = self.clock()
        rows = await self.db.fetch_all(bound(_claim, now=now, most=most, until=now + lease_seconds))
        return sorted(
            (Queued(r["id"], r["user_id"], r["to_number"], r["body"], r["attempts"]) for r in rows),
            key=lambda queued: queued.id,
        )

    async def handed_over(self, message_id: int, sid: str, status: str) -> None:
        """A provider took it: the body is no longer needed here."""
        rank = RANKS.get(status, 1)
        query = bound(_handed_over, message_id=message_id, sid=sid or None, status=status, rank=rank, now=self.clock())
        await self.db.execute(query)

    async def retry_at(self, message_id: int, when: float) -> None:
        await self.db.execute(bound(_retry_at, message_id=message_id, when=when, now=self.clock()))

    async def give_up(self, message_id: int) -> None:
        await self.db.execute(bound(_give_up, message_id=message_id, now=self.clock()))

    async def codes_sent_since(self, since: float) -> list[str]:
        """The number each code went to since then (for `stats`)."""
        return [row["to_number"] for row in await self.db.fetch_all(bound(_codes_sent_since, since=since))]

    async def forget_old(self, before: float, batch: int) -> int:
        """Up to `batch` texts long settled: their delivery no longer shows anywhere."""
        return await deleted(self.db, bound(_forget_old, before=before, most=batch))
