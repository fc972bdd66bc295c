"""Clearing out what no longer counts, off the hot path: unfinished signups past
their time (their emails come free), rate-limit rows past their window,
conversion counts past the guard's window, sessions past their lifetime, and
wrong-password runs left alone for 30 days (a locked email stays locked), and
texts settled a week ago (their status no longer shows anywhere), apps' sign-in
requests, tokens and grants past their time, and signing keys no live token was
signed with. And what time
alone makes due: number changes whose wait is over (flows/account.py) are made.

Every instance runs the loop; each round, the one that takes the round's slot
(a limit of one per round, taken by one atomic statement) does the work. Each
round reports its longest batch twice: timed around the call (the wait for the
writer and for a busy event loop included) and, on SQLite, timed where the
statement ran, which is how long it held the writer.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from components.durations import DAY
from components.services import Services
from components.storage.database import checkpoint
from components.storage.limits import Limit
from components.storage.sqlite_pool import Longest, longest_statement

log = logging.getLogger(__name__)
FORGET_RUNS_AFTER = 30 * DAY
FORGET_TEXTS_AFTER = 7 * DAY
BATCH = 500  # rows a statement, at most
# A purge's first batch and its smallest: at a million accounts a session's row and its
# indexes take 0.2 ms to delete, so 20 hold the writer about 4 ms (bench/README.md).
FIRST_BATCH = 20
HOLD = 0.005  # seconds each batch is sized to take: SQLite's one writer is held about this long at a time
# A batch at most half again the last: one that came back fast (its rows on cached pages, or a
# quiet writer) would size the next for the same luck, and on cold pages it held the writer a
# multiple of HOLD (tests/flows/test_housekeeping.py: 30 rows, not 500).
GROWTH = 1.5
REST = 3  # after a full batch, a rest three times as long as it took: never more than a quarter of the writer

Purge = Callable[[int], Awaitable[int]]  # removes up to that many rows: how many it did
Checkpoint = Callable[[], Awaitable[None]]  # storage.database.checkpoint, for this round's database


@dataclass(frozen=True)
class Round:
    cleared: dict[str, int]  # rows gone, by what they were
    seconds: float  # the whole round, rests included
    longest: float  # seconds of the longest batch, its wait for the writer included
    held: Longest | None  # on SQLite, the longest a batch held the writer, and its CPU time (bench/README.md)


async def _rest(seconds: float) -> None:
    """Between batches; its own name so that a test can count the rests and nobody else's sleeps."""
    await asyncio.sleep(seconds)


def _purges(services: Services) -> dict[str, Purge]:
    settings, now = services.settings, services.clock()
    return {
        "unfinished signups": lambda most: services.users.purge_unverified(now - settings.unverified_ttl_seconds, most),
        "rate-limit rows": services.limits.forget_old,
        "conversion counts": lambda most: services.conversions.forget_old(
            now - settings.conversion_window_seconds, most
        ),
        "sessions": lambda most: services.sessions.forget_old(now - settings.session_max_age_seconds, most),
        "wrong-password runs": lambda most: services.password_failures.forget_old(
            now - FORGET_RUNS_AFTER, most, below=settings.password_failures_before_lock
        ),
        "settled texts": lambda most: services.messages.forget_old(now - FORGET_TEXTS_AFTER, most),
        "number changes made": lambda most: services.users.make_number_changes(now, most),
        "app sign-in requests": services.authorizations.forget_old,
        "app tokens and grants": services.grants.forget_old,
        "retired signing keys": lambda most: services.keys.drop_retired(),  # a handful at most
        "passkey challenges": services.passkeys.forget_old,
        "settled app logouts": lambda most: services.logout_notices.forget_old(now - FORGET_TEXTS_AFTER, most),
        "expired remembered browsers": services.remembered_browsers.forget_old,
        "old activity": lambda most: services.activity.forget_old(now - settings.activity_days * DAY, most),
    }


async def _in_batches(purge: Purge, batch: int, longest: list[float], checkpoint: Checkpoint) -> int:
    """Batch after batch until one comes back short, each sized from the last one's time to
    take about HOLD, and at most GROWTH times the last (a row of a big table with several
    indexes costs far more than a small one's, and a busy writer makes every batch slower),
    resting between them in proportion to their cost: a purge that fell behind catches up at
    a steady pace, not in a burst that would keep requests from the writer. `longest` keeps
    the longest batch's seconds.

    The rest lasts until the batch's pages are checkpointed too: a batch of scattered rows
    dirties hundreds of pages, and unchecked they filled SQLite's WAL until a commit stopped
    to copy it, holding every write ten times a batch's HOLD (bench/README.md)."""
    total, size = 0, min(batch, FIRST_BATCH)
    while True:
        started = time.monotonic()
        done = await purge(size)
        took = time.monotonic() - started
        longest[0] = max(longest[0], took)
        total += done
        if done < size:
            return total
        # Never below the first batch: a statement's own round trip would shrink it to nothing.
        sized = round(size * HOLD / max(took, HOLD / batch))
        size = max(min(batch, FIRST_BATCH), min(batch, sized, round(size * GROWTH)))
        await asyncio.gather(_rest(took * REST), checkpoint())


async def tidy(services: Services, batch: int = BATCH) -> Round:
    """One round of clearing out, whoever runs it (the loop, or `python app.py purge`)."""
    started, longest = time.monotonic(), [0.0]
    with longest_statement() as held:
        cleared = {
            what: await _in_batches(purge, batch, longest, partial(checkpoint, services.db))
            for what, purge in _purges(services).items()
        }
    done = Round(cleared, time.monotonic() - started, longest[0], held if held.seconds else None)
    log.info(
        "housekeeping: %s; %.1f s, longest batch %.0f ms, longest hold of SQLite's writer %s",
        ", ".join(f"{what}={count}" for what, count in cleared.items()),
        done.seconds,
        done.longest * 1000,
        "-" if done.held is None else f"{done.held.seconds * 1000:.1f} ms ({done.held.cpu * 1000:.1f} ms on a CPU)",
    )
    return done


async def keep_tidy(services: Services) -> None:
    """Every HOUSEKEEPING_SECONDS, one instance tidies; the loop ends with the app."""
    every = services.settings.housekeeping_seconds
    while True:
        await asyncio.sleep(every)
        try:
            if await services.limits.take(Limit("housekeeping", 1, every)) is None:
                await tidy(services)
        except Exception:
            log.exception("housekeeping failed")
