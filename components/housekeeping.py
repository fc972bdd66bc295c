"""Clearing out what no longer counts, off the hot path: unfinished signups past
their time (their emails come free), rate-limit rows past their window,
conversion counts past the guard's window, sessions past their lifetime, and
wrong-password runs left alone for 30 days (a locked email stays locked), and
texts settled a week ago (their status no longer shows anywhere), apps' sign-in
requests, tokens and grants past their time, and signing keys no live token was
signed with. And what time
alone makes due: number changes whose wait is over (flows/account.py) are made.

Every instance runs the loop; each round, the one that takes the round's slot
(a limit of one per round, taken by one atomic statement) does the work.
"""

import asyncio
import logging

from components.durations import DAY
from components.services import Services
from components.storage.limits import Limit

log = logging.getLogger(__name__)
FORGET_RUNS_AFTER = 30 * DAY
FORGET_TEXTS_AFTER = 7 * DAY


async def tidy(services: Services) -> dict[str, int]:
    """One round of clearing out, whoever runs it (the loop, or `python app.py purge`)."""
    settings, now = services.settings, services.clock()
    done = {
        "unfinished signups": await services.users.purge_unverified(now - settings.unverified_ttl_seconds),
        "rate-limit rows": await services.limits.forget_old(),
        "conversion counts": await services.conversions.forget_old(now - settings.conversion_window_seconds),
        "sessions": await services.sessions.forget_old(now - settings.session_max_age_seconds),
        "wrong-password runs": await services.password_failures.forget_old(
            now - FORGET_RUNS_AFTER, below=settings.password_failures_before_lock
        ),
        "settled texts": await services.messages.forget_old(now - FORGET_TEXTS_AFTER),
        "number changes made": await services.users.make_number_changes(now),
        "app sign-in requests": await services.authorizations.forget_old(),
        "app tokens and grants": await services.grants.forget_old(),
        "retired signing keys": await services.keys.drop_retired(),
        "passkey challenges": await services.passkeys.forget_old(),
        "settled app logouts": await services.logout_notices.forget_old(now - FORGET_TEXTS_AFTER),
        "expired remembered browsers": await services.remembered_browsers.forget_old(),
        "old activity": await services.activity.forget_old(now - settings.activity_days * DAY),
    }
    log.info("housekeeping: %s", ", ".join(f"{what}={count}" for what, count in done.items()))
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
