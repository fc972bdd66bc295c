"""Rate limits kept in the database, so they hold across workers and instances.

A limit allows at most `allowed` events in *any* interval of `window_seconds`
(fixed windows would let twice that through across a window's edge). Its row
holds the times of its last `allowed` events, oldest first, as fixed-width
digits (milliseconds, rounded up, so nothing expires early, and a wait of 30
seconds reads as 30, not 31). An event may
happen when the oldest of them is a window's length ago; taking it drops the
oldest and appends now. That is one conditional upsert, so of two requests
racing for the last slot exactly one gets it: PostgreSQL re-checks the
condition on the row it waited for, SQLite runs one writer at a time. A
take of several limits is one statement for all their rows (each row still
takes its slot or not on its own), and one more gives back what the others
took when one is full.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from databases import Database

from components import metrics
from components.storage.database import rate_limits
from components.storage.prepared import P, Statement, bound, insert_for

TICKS = 1000  # a stamp's units per second
WIDTH = 13  # digits per time: UNIX milliseconds until the year 2286
NEVER = "0" * WIDTH


@dataclass(frozen=True)
class Limit:
    name: str  # what is limited, and for whom
    allowed: int  # 0 turns the limit off
    window_seconds: int

    @property
    def kind(self) -> str:
        """`send:number`, `password:email`: the name without whom it is for (a metric's label)."""
        return ":".join(self.name.split(":")[:2])

    @property
    def key(self) -> str:
        """A changed setting starts a new count (the row's width follows `allowed`)."""
        return f"{self.name}|{self.allowed}/{self.window_seconds}|ms"  # ms: rows of second stamps age out apart


def per_address(name: str, tiers: tuple[tuple[str, int], ...], allowed: int, window_seconds: int) -> list[Limit]:
    """One limit for each tier of an address (components/addresses.address_tiers): the
    narrowest allows `allowed`, a wider network `allowed` times its weight."""
    return [Limit(f"{name}:{group}", allowed * weight, window_seconds) for group, weight in tiers]


def _oldest() -> sa.ColumnElement[int]:
    return sa.cast(sa.func.substr(rate_limits.c.times, 1, WIDTH), sa.BigInteger)


# The statements: storage/prepared.py builds and compiles each once per database.
def _take_each(dialect: str, rows: list[dict[str, P]], stamp: P, now: P) -> Any:  # either dialect's Insert
    """Each row with `stamp` appended and its oldest time dropped, if that is a window old
    (a row's window is its `expires_at` less now); the keys of the rows that took it."""
    statement = insert_for(dialect)(rate_limits).values(rows)
    moment = sa.cast(now, sa.Float)  # PostgreSQL cannot tell a bare parameter's type here
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "times": sa.func.substr(rate_limits.c.times, WIDTH + 1, type_=sa.Text) + stamp,
            "expires_at": statement.excluded.expires_at,
        },
        where=_oldest() + (statement.excluded.expires_at - moment) * TICKS <= moment * TICKS,
    ).returning(rate_limits.c.key)


def _give_back(dialect: str, rows: list[dict[str, P]]) -> Statement:
    """Each row's newest time dropped and NEVER put first (its width stays)."""
    kept = sa.func.substr(rate_limits.c.times, 1, sa.func.length(rate_limits.c.times) - WIDTH, type_=sa.Text)
    keys = [row["key"] for row in rows]
    # Rows locked in key order, as a take locks them: two requests never wait on each other's rows.
    ordered = sa.select(rate_limits.c.key).where(rate_limits.c.key.in_(keys)).order_by(rate_limits.c.key)
    locked = ordered.with_for_update() if dialect == "postgresql" else ordered
    return (
        rate_limits.update()
        .where(rate_limits.c.key.in_(locked.scalar_subquery()))
        .values(times=sa.literal(NEVER) + kept)
    )


def _times_of(rows: list[dict[str, P]]) -> Statement:
    keys = [row["key"] for row in rows]
    return sa.select(rate_limits.c.key, rate_limits.c.times).where(rate_limits.c.key.in_(keys))


def _forget_old(now: P) -> Statement:
    return rate_limits.delete().where(rate_limits.c.expires_at < now).returning(rate_limits.c.key)


def _state(times: str, limit: Limit, now: float) -> tuple[float, int]:
    """The share of a limit's events within its window, and the seconds until it has room."""
    stamps = [int(times[at : at + WIDTH]) / TICKS for at in range(0, len(times), WIDTH)]
    used = sum(1 for stamp in stamps if stamp + limit.window_seconds > now)
    return used / limit.allowed, max(0, math.ceil(stamps[0] + limit.window_seconds - now))


class Limits:
    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock

    async def take(self, *limits: Limit) -> int | None:
        """One event in each limit; or, when one is full, the seconds until it
        frees up (and nothing is taken)."""
        refused = await self.take_or_refuse(*limits)
        return refused[1] if refused else None

    async def take_or_refuse(self, *limits: Limit) -> tuple[Limit, int] | None:
        """As `take`, naming the full limit beside the wait (what the visitor is told depends on it)."""
        on = [limit for limit in limits if limit.allowed > 0]
        if not on:
            return None
        taken = await self._take(on, self.clock())
        refused = [limit for limit in on if limit.key not in taken]
        if not refused:
            return None
        metrics.REFUSALS.labels(refused[0].kind).inc()
        await self.give_back(*(limit for limit in on if limit.key in taken))
        return refused[0], max(1, await self.wait(refused[0]))

    async def _take(self, limits: list[Limit], now: float) -> set[str]:
        """One statement for all: each row takes its slot, or not, atomically (PostgreSQL
        re-checks the condition on a row it waited for; SQLite runs one writer at a
        time), so no slot is counted twice, and the rows that took one say so."""
        stamp = f"{math.ceil(now * TICKS):0{WIDTH}d}"
        rows = [  # in key order, as every take and give-back locks them (no deadlock between two)
            {
                "key": limit.key,
                "times": NEVER * (limit.allowed - 1) + stamp,
                "expires_at": now + limit.window_seconds,
            }
            for limit in sorted(limits, key=lambda limit: limit.key)
        ]
        return {row[0] for row in await self.db.fetch_all(bound(_take_each, rows=rows, stamp=stamp, now=now))}

    async def give_back(self, *limits: Limit) -> None:
        """Undo one event of each (the newest: all of a moment's events are alike)."""
        rows = [{"key": limit.key} for limit in limits if limit.allowed > 0]
        if rows:
            await self.db.execute(bound(_give_back, rows=rows))

    async def wait(self, limit: Limit) -> int:
        """Seconds until `limit` has room (0: it has now), taking nothing."""
        return max((wait for _, _, wait in await self.states(limit)), default=0)

    async def states(self, *limits: Limit) -> list[tuple[Limit, float, int]]:
        """Each limit with a row: the share of it used within its window, and the seconds
        until it has room (0: it has now). One statement for all; nothing is taken."""
        on = {limit.key: limit for limit in limits if limit.allowed > 0}
        if not on:
            return []
        now = self.clock()
        rows = await self.db.fetch_all(bound(_times_of, rows=[{"key": key} for key in on]))
        return [(on[row[0]], *_state(row[1], on[row[0]], now)) for row in rows]

    async def clear(self, *limits: Limit) -> None:
        """Forget every event of these limits (a proof stronger than the limit's guess)."""
        await self.db.execute(rate_limits.delete().where(rate_limits.c.key.in_([limit.key for limit in limits])))

    async def forget_old(self) -> int:
        """Rows whose every event is older than their window: how many went."""
        return len(await self.db.fetch_all(bound(_forget_old, now=self.clock())))
