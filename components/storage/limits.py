"""Rate limits kept in the database, so they hold across workers and instances.

A limit lets `allowed` events through at once, then one every window/allowed:
the generic cell rate algorithm (GCRA). Its row holds one time, when the limit
is empty again (`empty_at`): an event may happen while that is at most a
window less one step ahead of now, and it moves it one step on (from now, if
it had passed). So a check and an update cost the same whatever the limit's
size (a list of each event's time made a limit of a million a 10 MB row),
and one of a single event a window (a cooldown) is exact. Over any longer run
the rate is exact; within one window's length a burst and what refills behind
it can reach 2·allowed − 1, never more (tests/storage/test_limits.py).
Times are whole microseconds, steps rounded up, so nothing frees early.

A take is one conditional upsert, so of two requests racing for the last
slot exactly one gets it: PostgreSQL re-checks the condition on the row it
waited for, SQLite runs one writer at a time. A take of several limits is
one statement for all their rows (each row still takes its slot or not on its
own), and one more gives back what the others took when one is full.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from databases import Database

from components import metrics
from components.storage.database import deleted, rate_limits
from components.storage.prepared import P, Statement, batch_deleted, bound, insert_for

TICKS = 1_000_000  # a time's units per second


@dataclass(frozen=True)
class Limit:
    name: str  # what is limited, and for whom
    allowed: int
    window_seconds: int

    @property
    def kind(self) -> str:
        """`send:number`, `password:email`: the name without whom it is for (a metric's label)."""
        return ":".join(self.name.split(":")[:2])

    @property
    def key(self) -> str:
        """A changed setting starts a new count (the row's step follows `allowed`)."""
        return f"{self.name}|{self.allowed}/{self.window_seconds}"

    @property
    def on(self) -> bool:
        """Zero allowed, or a window of no time (a cooldown set to 0), turns a limit off."""
        return self.allowed > 0 and self.window_seconds > 0

    @property
    def step(self) -> int:
        """Ticks between events once the burst is spent: rounded up, never early."""
        return -(-self.window_seconds * TICKS // self.allowed)


def per_address(name: str, tiers: tuple[tuple[str, int], ...], allowed: int, window_seconds: int) -> list[Limit]:
    """One limit for each tier of an address (components/addresses.address_tiers): the
    narrowest allows `allowed`, a wider network `allowed` times its weight."""
    return [Limit(f"{name}:{group}", allowed * weight, window_seconds) for group, weight in tiers]


# The statements: storage/prepared.py builds and compiles each once per database.
def _take_each(dialect: str, rows: list[dict[str, P]], now: P) -> Any:  # either dialect's Insert
    """Each row's `empty_at` one step on (from now, if it had passed), where that leaves
    it at most a window ahead of now; the keys of the rows that took a step."""
    statement = insert_for(dialect)(rate_limits).values(rows)
    moment = sa.cast(now, sa.BigInteger)  # PostgreSQL cannot tell a bare parameter's type here
    later = sa.case((rate_limits.c.empty_at > moment, rate_limits.c.empty_at), else_=moment)
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"empty_at": later + rate_limits.c.step},
        where=later + rate_limits.c.step <= moment + rate_limits.c.span,
    ).returning(rate_limits.c.key)


def _give_back(dialect: str, rows: list[dict[str, P]]) -> Statement:
    """Each row's `empty_at` one step back."""
    keys = [row["key"] for row in rows]
    # Rows locked in key order, as a take locks them: two requests never wait on each other's rows.
    ordered = sa.select(rate_limits.c.key).where(rate_limits.c.key.in_(keys)).order_by(rate_limits.c.key)
    locked = ordered.with_for_update() if dialect == "postgresql" else ordered
    return (
        rate_limits.update()
        .where(rate_limits.c.key.in_(locked.scalar_subquery()))
        .values(empty_at=rate_limits.c.empty_at - rate_limits.c.step)
    )


def _empty_at_of(rows: list[dict[str, P]]) -> Statement:
    keys = [row["key"] for row in rows]
    return sa.select(rate_limits.c.key, rate_limits.c.empty_at).where(rate_limits.c.key.in_(keys))


def _forget_old(now: P, most: P) -> Statement:
    """A batch of rows already empty (the same as no row)."""
    return batch_deleted(rate_limits, most, rate_limits.c.empty_at <= now)


def _state(empty_at: int, limit: Limit, now: int) -> tuple[float, int]:
    """The share of a limit's events in use (each step not yet over counts whole), and the
    seconds until it has room."""
    ahead = max(0, empty_at - now)
    room_in = ahead - (limit.window_seconds * TICKS - limit.step)
    return min(1.0, -(-ahead // limit.step) / limit.allowed), max(0, math.ceil(room_in / TICKS))


def _ticks(seconds: float) -> int:
    return round(seconds * TICKS)  # a clock's float, to the nearest tick


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
        on = [limit for limit in limits if limit.on]
        if not on:
            return None
        taken = await self._take(on, _ticks(self.clock()))
        refused = [limit for limit in on if limit.key not in taken]
        if not refused:
            return None
        metrics.REFUSALS.labels(refused[0].kind).inc()
        await self.give_back(*(limit for limit in on if limit.key in taken))
        return refused[0], max(1, await self.wait(refused[0]))

    async def _take(self, limits: list[Limit], now: int) -> set[str]:
        """One statement for all: each row takes its step, or not, atomically (PostgreSQL
        re-checks the condition on a row it waited for; SQLite runs one writer at a
        time), so no slot is counted twice, and the rows that took one say so."""
        rows = [  # in key order, as every take and give-back locks them (no deadlock between two)
            {
                "key": limit.key,
                "empty_at": now + limit.step,
                "step": limit.step,
                "span": limit.window_seconds * TICKS,
            }
            for limit in sorted(limits, key=lambda limit: limit.key)
        ]
        return {row[0] for row in await self.db.fetch_all(bound(_take_each, rows=rows, now=now))}

    async def give_back(self, *limits: Limit) -> None:
        """Undo one event of each: its step back."""
        rows = [{"key": limit.key} for limit in limits if limit.on]
        if rows:
            await self.db.execute(bound(_give_back, rows=rows))

    async def wait(self, limit: Limit) -> int:
        """Seconds until `limit` has room (0: it has now), taking nothing."""
        return max((wait for _, _, wait in await self.states(limit)), default=0)

    async def states(self, *limits: Limit) -> list[tuple[Limit, float, int]]:
        """Each limit with a row: the share of it used within its window, and the seconds
        until it has room (0: it has now). One statement for all; nothing is taken."""
        on = {limit.key: limit for limit in limits if limit.on}
        if not on:
            return []
        now = _ticks(self.clock())
        rows = await self.db.fetch_all(bound(_empty_at_of, rows=[{"key": key} for key in on]))
        return [(on[row[0]], *_state(row[1], on[row[0]], now)) for row in rows]

    async def clear(self, *limits: Limit) -> None:
        """Forget every event of these limits (a proof stronger than the limit's guess)."""
        await self.db.execute(rate_limits.delete().where(rate_limits.c.key.in_([limit.key for limit in limits])))

    async def forget_old(self, batch: int) -> int:
        """Up to `batch` rows already empty: how many went."""
        return await deleted(self.db, bound(_forget_old, now=_ticks(self.clock()), most=batch))
