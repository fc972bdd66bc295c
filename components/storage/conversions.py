"""Conversion counts for the pumping guard: codes texted and codes entered, per
key (a number range or a country) and minute, and the pauses it sets.

Counts are statistics, not admission limits: a minute's row is bumped by one
upsert, and the guard sums the rows of the window it judges.
"""

from collections.abc import Callable

import sqlalchemy as sa
from databases import Database

from components.storage.database import conversions, deleted, insert, send_pauses
from components.storage.prepared import P, Statement, batch_deleted, bound


# One many-row upsert, written out (the same text on both databases), once per column.
def _count(column: str, first: P, second: P, minute: P) -> Statement:
    rows = "(:first, :minute, 1), (:second, :minute, 1)"
    return sa.text(
        f'INSERT INTO conversions ("key", minute, {column}) VALUES {rows} '
        f'ON CONFLICT ("key", minute) DO UPDATE SET {column} = conversions.{column} + 1'
    ).bindparams(first, second, minute)


def _count_sent(first: P, second: P, minute: P) -> Statement:
    return _count("sent", first, second, minute)


def _count_verified(first: P, second: P, minute: P) -> Statement:
    return _count("verified", first, second, minute)


def _totals(first: P, second: P, since: P, until: P) -> Statement:
    return (
        sa.select(conversions.c.key, sa.func.sum(conversions.c.sent), sa.func.sum(conversions.c.verified))
        .where(conversions.c.key.in_([first, second]), conversions.c.minute >= since, conversions.c.minute < until)
        .group_by(conversions.c.key)
    )


def _paused(first: P, second: P, now: P) -> Statement:
    return (
        sa.select(send_pauses.c.key, send_pauses.c.until)
        .where(send_pauses.c.key.in_([first, second]), send_pauses.c.until > now)
        .order_by(send_pauses.c.until.desc())
    )


def _forget_counts(before: P, most: P) -> Statement:
    return batch_deleted(conversions, most, conversions.c.minute < before)


def _forget_pauses(now: P, most: P) -> Statement:
    return batch_deleted(send_pauses, most, send_pauses.c.until < now)


class Conversions:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def count(self, column: str, keys: tuple[str, str]) -> None:
        """One more `sent` or `verified` for both keys (a number's range and its country),
        in this minute's rows: one statement."""
        builder = {"sent": _count_sent, "verified": _count_verified}[column]
        first, second = keys
        await self.db.execute(bound(builder, first=first, second=second, minute=self.clock() // 60 * 60))

    async def totals(self, keys: tuple[str, str], since: float, until: float) -> dict[str, tuple[int, int]]:
        """(sent, verified) per key, over the minutes that start in [since, until)."""
        first, second = keys
        rows = await self.db.fetch_all(bound(_totals, first=first, second=second, since=since, until=until))
        return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in rows}

    async def pause(self, key: str, until: float) -> None:
        statement = insert(self.db, send_pauses).values(key=key, until=until)
        await self.db.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"until": until}))

    async def paused(self, keys: tuple[str, str]) -> tuple[str, float] | None:
        """The key paused longest, and until when; None when none is paused now."""
        first, second = keys
        row = await self.db.fetch_one(bound(_paused, first=first, second=second, now=self.clock()))
        return (row["key"], row["until"]) if row else None

    async def forget_old(self, before: float, batch: int) -> int:
        """Up to `batch` counts from before the guard's window, and as many pauses that are over: how many."""
        counts = await deleted(self.db, bound(_forget_counts, before=before, most=batch))
        return counts + await deleted(self.db, bound(_forget_pauses, now=self.clock(), most=batch))
