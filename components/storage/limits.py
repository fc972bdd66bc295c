"""Rate limits kept in the database, so they hold across workers and instances.

Each limit is a fixed-window counter taken with one atomic upsert: of two
requests racing for the last slot, exactly one gets it.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from databases import Database

from components.storage.database import insert, rate_counters

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR
KEEP_SECONDS = 2 * DAY  # longer than the longest window


@dataclass(frozen=True)
class Limit:
    key: str
    allowed: int  # 0 turns the limit off
    window_seconds: int


class Limits:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def take(self, *limits: Limit) -> int | None:
        """One slot in each limit; or, when one is full, the seconds until it
        frees up (and nothing is taken)."""
        now = self.clock()
        taken: list[tuple[str, float]] = []
        for limit in limits:
            if limit.allowed <= 0:
                continue
            window = math.floor(now / limit.window_seconds) * limit.window_seconds
            if not await self._take(limit, window):
                for key, start in taken:
                    await self._give_back(key, start)
                return max(1, math.ceil(window + limit.window_seconds - now))
            taken.append((limit.key, window))
        return None

    async def _take(self, limit: Limit, window: float) -> bool:
        statement = insert(self.db, rate_counters).values(key=limit.key, window_start=window, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": rate_counters.c.count + 1},
            where=rate_counters.c.count < limit.allowed,
        ).returning(rate_counters.c.count)
        return await self.db.fetch_one(statement) is not None

    async def _give_back(self, key: str, window: float) -> None:
        await self.db.execute(
            rate_counters.update()
            .where(rate_counters.c.key == key, rate_counters.c.window_start == window)
            .values(count=rate_counters.c.count - 1)
        )

    async def forget_old(self) -> None:
        await self.db.execute(rate_counters.delete().where(rate_counters.c.window_start < self.clock() - KEEP_SECONDS))
