"""Conversion counts for the pumping guard: codes texted and codes entered, per
key (a number range or a country) and minute, and the pauses it sets.

Counts are statistics, not admission limits: a minute's row is bumped by one
upsert, and the guard sums the rows of the window it judges.
"""

from collections.abc import Callable

import sqlalchemy as sa
from databases import Database

from components.storage.database import conversions, insert, send_pauses


class Conversions:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def count(self, column: str, keys: tuple[str, ...]) -> None:
        """One more `sent` or `verified` for each key, in this minute's row: one statement,
        written out (SQLAlchemy cannot cache the shape of a many-row upsert)."""
        assert column in ("sent", "verified")
        rows = ", ".join(f"(:key{n}, :minute, 1)" for n in range(len(keys)))
        statement = sa.text(
            f'INSERT INTO conversions ("key", minute, {column}) VALUES {rows} '
            f'ON CONFLICT ("key", minute) DO UPDATE SET {column} = conversions.{column} + 1'
        ).bindparams(minute=self.clock() // 60 * 60, **{f"key{n}": key for n, key in enumerate(keys)})
        await self.db.execute(statement)

    async def totals(self, keys: tuple[str, ...], since: float, until: float) -> dict[str, tuple[int, int]]:
        """(sent, verified) per key, over the minutes that start in [since, until)."""
        query = (
            sa.select(conversions.c.key, sa.func.sum(conversions.c.sent), sa.func.sum(conversions.c.verified))
            .where(_one_of(conversions.c.key, keys), conversions.c.minute >= since, conversions.c.minute < until)
            .group_by(conversions.c.key)
        )
        return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in await self.db.fetch_all(query)}

    async def pause(self, key: str, until: float) -> None:
        statement = insert(self.db, send_pauses).values(key=key, until=until)
        await self.db.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"until": until}))

    async def paused(self, keys: tuple[str, ...]) -> tuple[str, float] | None:
        """The key paused longest, and until when; None when none is paused now."""
        query = (
            sa.select(send_pauses.c.key, send_pauses.c.until)
            .where(_one_of(send_pauses.c.key, keys), send_pauses.c.until > self.clock())
            .order_by(send_pauses.c.until.desc())
        )
        row = await self.db.fetch_one(query)
        return (row["key"], row["until"]) if row else None

    async def forget_old(self, before: float) -> int:
        """Counts from before the guard's window, and pauses that are over: how many."""
        counts = await self.db.fetch_all(
            conversions.delete().where(conversions.c.minute < before).returning(conversions.c.key)
        )
        pauses = await self.db.fetch_all(
            send_pauses.delete().where(send_pauses.c.until < self.clock()).returning(send_pauses.c.key)
        )
        return len(counts) + len(pauses)


def _one_of(column: sa.ColumnElement[str], keys: tuple[str, ...]) -> sa.ColumnElement[bool]:
    """`column IN keys`, written so SQLAlchemy can cache the statement (an IN list it renders per call)."""
    return sa.or_(*(column == key for key in keys))
