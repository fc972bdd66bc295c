"""Sending codes, within every limit: cooldown, lock, per number, per address, overall."""

import asyncio
import logging
import math
from dataclasses import replace

from components.flows.results import (
    Failure,
    Notice,
    Success,
    failure,
    minutes,
    slow_down,
)
from components.phones import mask
from components.providers.interface import (
    Channel,
    Message,
    RateLimited,
    SendFailed,
    Sent,
    Unavailable,
    Undeliverable,
)
from components.services import Services
from components.storage.limits import DAY, HOUR, MINUTE, Limit
from components.storage.users import User

log = logging.getLogger(__name__)


def resend_wait(services: Services, user: User) -> int:
    """Seconds until this signup may be sent another code."""
    if user.code_sent_at is None:
        return 0
    left = user.code_sent_at + services.settings.resend_cooldown_seconds - services.clock()
    return max(0, math.ceil(left))


def locked_notice(services: Services, user: User) -> Failure:
    wait = math.ceil(user.locked_until - services.clock())
    return slow_down(
        f"Too many wrong codes in a row, so checking is paused for this account. Try again in {minutes(wait)}.",
        wait,
    )


def _limits(services: Services, user: User, origin: str) -> list[Limit]:
    settings = services.settings
    return [
        Limit(f"send:number:{user.phone}", settings.sends_per_number_hour, HOUR),
        Limit(f"send:number-day:{user.phone}", settings.sends_per_number_day, DAY),
        Limit(f"send:address:{origin}", settings.sends_per_address_hour, HOUR),
        Limit("send:all", settings.sends_per_minute, MINUTE),
    ]


async def within_deadline(services: Services, call):
    """No provider holds a request longer than the send deadline."""
    try:
        async with asyncio.timeout(services.settings.send_timeout_seconds):
            return await call
    except TimeoutError:
        return Unavailable()


async def send_code(services: Services, user: User, channel: Channel, origin: str) -> Success | Failure:
    """Send if every limit allows. Either way the result holds the account as the
    attempt left it; a Failure says what the visitor can do and when."""
    if user.locked(services.clock()):
        return locked_notice(services, user)
    if wait := resend_wait(services, user):
        return _cooling_down(wait)
    claimed = await services.users.claim_send(user.id, services.settings.resend_cooldown_seconds)
    if claimed is None:  # a request racing this one sent first
        return _cooling_down(resend_wait(services, await services.users.get(user.id) or user))
    wait = await services.limits.take(*_limits(services, user, origin))
    if wait is not None:
        log.warning("send refused by limits: user=%s retry_after=%s", user.id, wait)
        released = await services.users.release_send(user.id)
        return slow_down(f"Too many codes were requested. Try again in {minutes(wait)}.", wait, user=released)
    outcome = await within_deadline(services, services.verifier.start(claimed, channel))
    if isinstance(outcome, Sent):
        log.info("code sent: user=%s channel=%s to=%s", user.id, channel, mask(user.phone))
        return Success(claimed, _sent_notice(claimed, channel))
    log.warning("code not sent: user=%s channel=%s outcome=%s", user.id, channel, outcome)
    released = await services.users.release_send(user.id)
    return replace(_not_sent(user, channel, outcome), user=released)


def _cooling_down(wait: int) -> Failure:
    return slow_down(f"You can ask for a new code in {wait} seconds.", wait)


def _sent_notice(user: User, channel: Channel) -> Notice:
    if channel == "call":
        return Notice(f"We're calling {mask(user.phone)} now to read you a new code.")
    return Notice(f"We sent a new code to {mask(user.phone)}.")


def _not_sent(user: User, channel: Channel, outcome: RateLimited | Undeliverable | Unavailable) -> Failure:
    by = "phone call" if channel == "call" else "text message"
    if isinstance(outcome, RateLimited):
        return slow_down(
            f"Too many codes were requested for this number. Try again in {minutes(outcome.retry_after)}.",
            outcome.retry_after,
        )
    if isinstance(outcome, Undeliverable):
        advice = "Try a call, or use a different number." if outcome.try_call and channel == "sms" \
            else "Use a different number."
        return failure(f"We can't send a code to {mask(user.phone)} by {by}. {advice}")
    return failure(
        f"Our {by} provider is not answering, so no code was sent to {mask(user.phone)}. "
        "Your account is saved: ask for a new code in a moment, or use a different number.",
        kind="unavailable",
    )


async def first_code(services: Services, user: User, origin: str, *, fresh_session: bool) -> Success:
    """A signup moves to the code step whether or not a code could be sent now."""
    sent = await send_code(services, user, "sms", origin)
    if isinstance(sent, Success):
        return Success(sent.user, Notice("Check your messages for the code."), fresh_session=fresh_session)
    return Success(sent.user or user, sent.notice, fresh_session=fresh_session)


async def resend(services: Services, user: User, channel: Channel, origin: str) -> Success | Failure:
    """Not received a code: a new one, by text or by call."""
    return await send_code(services, user, channel, origin)


async def send_confirmation(services: Services, user: User) -> bool:
    """Best effort within a deadline: the account is verified either way."""
    body = f"Your {services.settings.app_name} account is verified. Welcome aboard!"
    try:
        async with asyncio.timeout(services.settings.send_timeout_seconds):
            await services.sender.send(Message(user.phone, body))
    except (SendFailed, TimeoutError) as error:
        log.warning("confirmation not sent: user=%s reason=%s", user.id, str(error) or "timed out")
        return False
    return True
