"""Checking a code: every try is counted before it runs, whatever the provider."""

import logging

from components.flows.results import (
    Failure,
    Notice,
    Success,
    failure,
    minutes,
    slow_down,
)
from components.flows.sending import locked_notice, send_confirmation, within_deadline
from components.providers.interface import (
    Approved,
    Expired,
    RateLimited,
    TooManyAttempts,
    Unavailable,
    WrongCode,
)
from components.services import Services
from components.storage.users import User

log = logging.getLogger(__name__)
OUT_OF_TRIES = "Too many wrong tries: this code no longer works. Ask for a new code below."


async def check_code(services: Services, user: User, code: str) -> Success | Failure:
    settings = services.settings
    if user.locked(services.clock()):
        return locked_notice(services, user)
    if user.code_failures >= settings.code_max_attempts:
        return failure(OUT_OF_TRIES, field="code")
    counted = await services.users.claim_check(user.id, settings.code_max_attempts)
    if counted is None:  # racing guesses took the last tries, or locked the account
        current = await services.users.get(user.id) or user
        return locked_notice(services, current) if current.locked(services.clock()) \
            else failure(OUT_OF_TRIES, field="code")
    outcome = await within_deadline(services, services.verifier.check(user, code))
    log.info("code checked: user=%s outcome=%s", user.id, type(outcome).__name__)
    if isinstance(outcome, Approved):
        return await _verified(services, user)
    if isinstance(outcome, (WrongCode, TooManyAttempts)):
        return await _wrong(services, counted, outcome)
    await services.users.uncount_check(user.id)
    if isinstance(outcome, Expired):
        current = await services.users.get(user.id)
        if current and current.verified:  # the same code was accepted a moment ago
            return Success(current, Notice("Your number is verified."), fresh_session=True)
        return failure("This code has expired or was replaced. Ask for a new code below.", field="code")
    if isinstance(outcome, RateLimited):
        return slow_down(f"Too many tries. Wait {minutes(outcome.retry_after)}, then try again.", outcome.retry_after)
    assert isinstance(outcome, Unavailable)
    return failure("We couldn't check the code just now. Your details are saved: try again in a moment.",
                   kind="unavailable")


async def _wrong(services: Services, counted: User, outcome: WrongCode | TooManyAttempts) -> Failure:
    """`counted`: the account with this try counted."""
    settings = services.settings
    locked = await services.users.lock_if_failing(counted.id, settings.failed_checks_before_lock, settings.lock_seconds)
    if locked:
        log.warning("verification locked: user=%s", counted.id)
        return locked_notice(services, locked)
    left = settings.code_max_attempts - counted.code_failures
    if isinstance(outcome, WrongCode) and outcome.attempts_left is not None:
        left = min(left, outcome.attempts_left)
    if isinstance(outcome, TooManyAttempts) or left <= 0:
        return failure(OUT_OF_TRIES, field="code")
    return failure(f"That code is not right. {left} {'attempt' if left == 1 else 'attempts'} left.", field="code")


async def _verified(services: Services, user: User) -> Success:
    verified = await services.users.mark_verified(user.id)
    if verified is None:  # another request with the same code got there first
        current = await services.users.get(user.id) or user
        return Success(current, Notice("Your number is verified."), fresh_session=True)
    log.info("verified: user=%s", user.id)
    if await send_confirmation(services, verified):
        notice = Notice("Your number is verified. We sent you a text to confirm.")
    else:
        notice = Notice("Your number is verified, but we couldn't send the confirmation text.", error=True)
    return Success(verified, notice, fresh_session=True)
