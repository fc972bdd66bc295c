"""Rate limits kept in the database, so they hold across workers and instances.

A limit allows at most `allowed` events in *any* interval of `window_seconds`
(fixed windows would let twice that through across a window's edge). Its row
holds the times of its last `allowed` events, oldest first, as fixed-width
digits (whole seconds, rounded up, so nothing expires early). An event may
happen when the oldest of them is a window's length ago; taking it drops the
oldest and appends now. That is one conditional upsert, so of two requests
racing for the last slot exactly one gets it: PostgreSQL re-checks the
condition on the row it waited for, SQLite runs one writer at a time.
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

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR
WIDTH = 10  # digits per time: UNIX seconds until the year 2286
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
        return f"{self.name}|{self.allowed}/{self.window_seconds}"


def _oldest() -> sa.ColumnElement[int]:
    return sa.cast(sa.func.substr(rate_limits.c.times, 1, WIDTH), sa.BigInteger)


# The statements: storage/prepared.py builds and compiles each once per database.
def _take_one(
    dialect: str, key: P, first_times: P, stamp: P, expires_at: P, since: P
) -> Any:  # either dialect's Insert
    """The row with `stamp` appended and its oldest time dropped, if that is older than `since`."""
    statement = insert_for(dialect)(rate_limits).values(key=key, times=first_times, expires_at=expires_at)
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"times": sa.func.substr(rate_limits.c.times, WIDTH + 1, type_=sa.Text) + stamp, "expires_at": expires_at},
        where=_oldest() <= since,
    ).returning(rate_limits.c.key)


def _give_back(key: P, kept_width: P) -> Statement:
    kept = sa.func.substr(rate_limits.c.times, 1, kept_width, type_=sa.Text)
    return rate_limits.update().where(rate_limits.c.key == key).values(times=sa.literal(NEVER) + kept)


def _oldest_of(key: P) -> Statement:
    return sa.select(_oldest()).where(rate_limits.c.key == key)


def _forget_old(now: P) -> Statement:
    return rate_limits.delete().where(rate_limits.c.expires_at < now).returning(rate_limits.c.key)


class Limits:
    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock

    async def take(self, *limits: Limit) -> int | None:
        """One event in each limit; or, when one is full, the seconds until it
        frees up (and nothing is taken)."""
        now = self.clock()
        taken: list[Limit] = []
        for limit in limits:
            if limit.allowed <= 0:
                continue
            if not await self._take(limit, now):
                metrics.REFUSALS.labels(limit.kind).inc()
                await self.give_back(*taken)
                return max(1, await self.wait(limit))
            taken.append(limit)
        return None

    async def _take(self, limit: Limit, now: float) -> bool:
        stamp = f"{math.ceil(now):0{WIDTH}d}"
        statement = bound(
            _take_one,
            key=limit.key,
            first_times=NEVER * (limit.allowed - 1) + stamp,
            stamp=stamp,
            expires_at=now + limit.window_seconds,
            since=now - limit.window_seconds,
        )
        return await self.db.fetch_one(statement) is not None

    async def give_back(self, *limits: Limit) -> None:
        """Undo one event of each (the newest: all of a moment's events are alike)."""
        for limit in limits:
            if limit.allowed <= 0:
                continue
            await self.db.execute(bound(_give_back, key=limit.key, kept_width=WIDTH * (limit.allowed - 1)))

    async def wait(self, limit: Limit) -> int:
        """Seconds until `limit` has room (0: it has now), taking nothing."""
        if limit.allowed <= 0:
            return 0
        now = self.clock()
        oldest = await self.db.fetch_val(bound(_oldest_of, key=limit.key))
        return max(0, math.ceil((oldest or 0) + limit.window_seconds - now))

    async def clear(self, *limits: Limit) -> None:
        """Forget every event of these limits (a proof stronger than the limit's guess)."""
        await self.db.execute(rate_limits.delete().where(rate_limits.c.key.in_([limit.key for limit in limits])))

    async def forget_old(self) -> int:
        """Rows whose every event is older than their window: how many went."""
        return len(await self.db.fetch_all(bound(_forget_old, now=self.clock())))
