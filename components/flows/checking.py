"""Checking a code the account waits for: every try is counted before it runs,
whatever the provider; a right code finishes what the account was waiting for
(RIGHT_CODE: its signup, a sign-in, a new number). A reset's code is checked
apart, in flows/reset.py."""

import logging
from collections.abc import Awaitable, Callable

from components import metrics
from components.flows import account, signin, signup
from components.flows.pumping_guard import count_verified
from components.flows.results import (
    PASSWORD_AND_CODE,
    Failure,
    Notice,
    Success,
    failure,
    minutes,
    slow_down,
)
from components.flows.sending import (
    CODE_REPLACED,
    OUT_OF_TRIES,
    attempts_left,
    locked_notice,
    recipient,
    within_deadline,
)
from components.providers.interface import (
    Approved,
    Expired,
    RateLimited,
    TooManyAttempts,
    Unavailable,
    WrongCode,
)
from components.purposes import Awaited
from components.services import Services
from components.storage.users import CODES_STOPPED, User
from components.text import _

log = logging.getLogger(__name__)
RightCode = Callable[[Services, User, bool, str], Awaitable[Success | Failure]]

# What a right code does, for each purpose a code can have (components/purposes.py).
# `remember`: at a sign-in, the visitor asked not to be asked again on this browser;
# `address`: who typed it (the next code's limits count it).
RIGHT_CODE: dict[Awaited, RightCode] = {
    "signup": lambda services, user, remember, address: signup.verified(services, user),
    "signin": lambda services, user, remember, address: signin.finish_sign_in(services, user, remember=remember),
    "current-number": lambda services, user, remember, address: account.current_number_approved(
        services, user, address
    ),
    "number": lambda services, user, remember, address: account.number_code_was_right(services, user),
    "number-later": lambda services, user, remember, address: account.schedule_number_change(services, user),
}


async def check_code(
    services: Services, user: User, code: str, address: str, *, remember: bool = False
) -> Success | Failure:
    """`remember`: at a sign-in, the visitor asked not to be asked again on this browser."""
    settings = services.settings
    purpose = user.challenge
    if purpose is None or purpose == "password":  # no code is waiting (a stale tab)
        return failure(CODE_REPLACED, field="code")
    if user.locked(services.clock()) or user.code_failures >= settings.code_max_attempts:
        reason = "locked" if user.locked(services.clock()) else "out-of-tries"
        log.warning("code refused: user=%s address=%s purpose=%s reason=%s", user.id, address, purpose, reason)
        metrics.CHECKS.labels(reason).inc()
        return locked_notice(services, user) if reason == "locked" else failure(OUT_OF_TRIES, field="code")
    counted = await services.users.claim_check(user.id, purpose, settings.code_max_attempts)
    if counted is None:  # racing guesses took the last tries, or locked the account
        current = await services.users.get(user.id) or user
        return (
            locked_notice(services, current)
            if current.locked(services.clock())
            else failure(OUT_OF_TRIES, field="code")
        )
    outcome = await within_deadline(services, services.verifier.check(recipient(user), code))
    log.info("code checked: user=%s purpose=%s outcome=%s", user.id, purpose, type(outcome).__name__)
    metrics.CHECKS.labels(type(outcome).__name__).inc()
    if isinstance(outcome, Approved):
        metrics.VERIFIED.labels(purpose, recipient(user).country).inc()
        await count_verified(services, recipient(user))
        return await RIGHT_CODE[purpose](services, user, remember, address)
    if isinstance(outcome, (WrongCode, TooManyAttempts)):
        log.warning("code refused: user=%s address=%s purpose=%s reason=wrong", user.id, address, purpose)
        return await _wrong(services, counted, outcome)
    await services.users.uncount_check(user.id)
    if isinstance(outcome, Expired):
        return await _expired(services, user)
    if isinstance(outcome, RateLimited):
        return slow_down(
            _("Too many tries. Wait %(wait)s, then try again.", wait=minutes(outcome.retry_after)), outcome.retry_after
        )
    assert isinstance(outcome, Unavailable)
    return failure(
        _("We couldn't check the code just now. Your details are saved: try again in a moment."), kind="unavailable"
    )


async def _wrong(services: Services, counted: User, outcome: WrongCode | TooManyAttempts) -> Success | Failure:
    """`counted`: the account with this try counted."""
    settings = services.settings
    locked = await _lock_if_due(services, counted)
    if locked and locked.codes_stopped and not locked.verified:
        log.warning("signup closed after %s wrong codes in a row: user=%s", locked.failed_checks, locked.id)
        await services.users.close_signup(locked.id)
        return Success(
            None,
            Notice(_("Too many wrong codes in a row, so this signup is closed. Start again below."), error=True),
            fresh_session=True,
        )
    if locked:
        log.warning("verification locked: user=%s for_good=%s", counted.id, locked.codes_stopped)
        return locked_notice(services, locked)
    left = settings.code_max_attempts - counted.code_failures
    if isinstance(outcome, WrongCode) and outcome.attempts_left is not None:
        left = min(left, outcome.attempts_left)
    if isinstance(outcome, TooManyAttempts) or left <= 0:
        return failure(OUT_OF_TRIES, field="code", user=counted)
    return failure(attempts_left(left), field="code", user=counted)


async def _lock_if_due(services: Services, counted: User) -> User | None:
    """Wrong codes in a row (counted atomically, so each request knows its own number)
    lock checking for an hour at every FAILED_CHECKS_BEFORE_LOCK-th, and for good at
    FAILED_CHECKS_BEFORE_STOP: the count goes on across locks; only a right code clears it."""
    settings, failures = services.settings, counted.failed_checks
    if failures >= settings.failed_checks_before_stop:
        return await services.users.lock(counted.id, CODES_STOPPED)
    if failures % settings.failed_checks_before_lock == 0:
        return await services.users.lock(counted.id, services.clock() + settings.lock_seconds)
    return None


async def _expired(services: Services, user: User) -> Success | Failure:
    if user.challenge == "signup":
        current = await services.users.get(user.id)
        if current and current.verified:  # the same code verified this signup a moment ago
            return Success(current, Notice(_("Your number is verified.")), fresh_session=True, proved=PASSWORD_AND_CODE)
    return failure(CODE_REPLACED, field="code")
