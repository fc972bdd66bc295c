"""Housekeeping: old rows go, off the hot path, by one instance a round; what still
counts (a locked email, a live session, a signup in time) stays."""

import asyncio
import sqlite3
from contextlib import closing

import httpx
import pytest
import sqlalchemy as sa

from components import housekeeping
from components.durations import HOUR
from components.housekeeping import tidy
from components.services import build_services
from components.storage import sqlite_pool
from components.storage.database import connected, password_failures, rate_limits, sessions, users
from components.storage.limits import Limit
from routes.steps import LINKS

pytestmark = pytest.mark.anyio


async def _count(db, table) -> int:
    return await db.fetch_val(sa.select(sa.func.count()).select_from(table))


async def test_a_round_clears_what_no_longer_counts_and_keeps_the_rest(services, db, clock):
    old = await services.users.create(
        email="old@example.com", name="A", password_hash="x", phone="+12018675309", country="US"
    )
    await services.sessions.open(old.id)
    await services.limits.take(Limit("send:number:+12018675309", 5, HOUR))
    for key in ("short", "locked"):
        for _ in range({"short": 3, "locked": 100}[key]):
            await services.password_failures.count(key, 100)
    clock.advance(31 * 24 * 3600)
    fresh = await services.users.create(
        email="new@example.com", name="B", password_hash="x", phone="+12018675309", country="US"
    )
    done = (await tidy(services)).cleared
    assert done["unfinished signups"] == 1 and done["rate-limit rows"] == 1 and done["wrong-password runs"] == 1
    assert [row["email"] for row in await db.fetch_all(sa.select(users.c.email))] == [fresh.email]
    assert await _count(db, sessions) == 0 and await _count(db, rate_limits) == 0
    assert [row["email_key"] for row in await db.fetch_all(sa.select(password_failures.c.email_key))] == ["locked"]


async def test_only_one_instance_tidies_a_round(services):
    rounds = Limit("housekeeping", 1, services.settings.housekeeping_seconds)
    assert [await services.limits.take(rounds) for _ in range(3)].count(None) == 1


async def test_a_round_that_fell_behind_goes_in_batches_resting_between_them_until_nothing_old_is_left(
    services, db, clock, monkeypatch
):
    for n in range(5):
        await services.users.create(
            email=f"gone{n}@example.com", name="A", password_hash="x", phone="+12018675309", country="US"
        )
    clock.advance(31 * 24 * 3600)
    kept = await services.users.create(
        email="new@example.com", name="B", password_hash="x", phone="+12018675309", country="US"
    )
    rests = []

    async def rest(seconds):
        rests.append(seconds)

    monkeypatch.setattr(housekeeping, "_rest", rest)
    done = (await housekeeping.tidy(services, batch=2)).cleared
    assert done["unfinished signups"] == 5
    assert [row["email"] for row in await db.fetch_all(sa.select(users.c.email))] == [kept.email]
    assert len(rests) == 2  # after each full batch of two; the third came back short


async def test_each_batch_is_sized_to_hold_the_writer_about_five_milliseconds(monkeypatch):
    now, sizes, left = [0.0], [], [1000]

    async def slow_rows(most: int) -> int:  # a big table's rows: 50 µs each to delete
        sizes.append(most)
        done = min(most, left[0])
        left[0] -= done
        now[0] += done * 0.00005
        return done

    async def rest(seconds):
        now[0] += seconds

    monkeypatch.setattr(housekeeping.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(housekeeping, "_rest", rest)

    async def checkpoint():
        pass

    longest = [0.0]
    assert await housekeeping._in_batches(slow_rows, 500, longest, checkpoint) == 1000
    assert sizes[:4] == [20, 30, 45, 68] and set(sizes[4:]) == {100}  # half again each time, up to 5 ms
    assert longest[0] == pytest.approx(0.005)
    # The work, and three times as long resting after each batch but the last (37 rows).
    assert now[0] == pytest.approx(0.05 + 3 * (0.05 - 37 * 0.00005))


async def test_a_batch_that_came_back_fast_makes_the_next_at_most_half_again_as_big(monkeypatch):
    """Its rows were on cached pages; the next ones are not, and take 25 times as long."""
    now, sizes, left = [0.0], [], [200]

    async def cached_then_cold(most: int) -> int:
        sizes.append(most)
        done = min(most, left[0])
        left[0] -= done
        now[0] += done * (0.00001 if len(sizes) == 1 else 0.00025)
        return done

    async def rest(seconds):
        now[0] += seconds

    async def checkpoint():
        pass

    monkeypatch.setattr(housekeeping.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(housekeeping, "_rest", rest)
    longest = [0.0]
    assert await housekeeping._in_batches(cached_then_cold, 500, longest, checkpoint) == 200
    assert sizes[:3] == [20, 30, 20]  # sized from the fast batch: 30, not 500 (125 ms of cold rows)
    assert longest[0] == pytest.approx(0.0075)


async def test_the_next_batch_waits_until_the_last_ones_pages_are_checkpointed(monkeypatch):
    """Its rest is the longer of the two: a slow disk slows the purge, not the writer."""
    events, left = [], [60]

    async def rows(most: int) -> int:
        events.append("batch")
        done = min(most, left[0])
        left[0] -= done
        return done

    async def rest(seconds):
        events.append("rest")

    async def checkpoint():
        await asyncio.sleep(0.01)  # ends after the rest
        events.append("checkpointed")

    monkeypatch.setattr(housekeeping, "_rest", rest)
    assert await housekeeping._in_batches(rows, 20, [0.0], checkpoint) == 60
    assert events == ["batch", "rest", "checkpointed"] * 3 + ["batch"]


async def test_a_long_purge_on_sqlite_keeps_starting_the_wal_over(settings, outbox, clock, monkeypatch):
    """Left to fill, the WAL waits for a commit to copy it while every write waits behind
    that commit (bench/README.md). Copied after each batch, it starts over at the next."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's WAL")
    monkeypatch.setattr(sqlite_pool, "CHECKPOINT_SECONDS", 3600)  # no copy but the purge's own
    path = sa.engine.make_url(settings.database_url).database
    async with connected(settings.database_url) as database, httpx.AsyncClient() as client:
        services = build_services(settings, database, client, LINKS, sender=outbox, clock=clock)
        for n in range(300):
            await services.users.create(
                email=f"gone{n}@example.com", name="A", password_hash="x", phone="+12018675309", country="US"
            )
        clock.advance(31 * 24 * 3600)
        with closing(sqlite3.connect(path)) as other:
            other.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the signups' pages out of the way
            assert (await housekeeping.tidy(services, batch=10)).cleared["unfinished signups"] == 300
            _, frames, _ = other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert frames < 30  # a batch's few (8 here); every batch's (about 300) without the copies
