"""The signup flow: one function per thing a visitor does.

Each takes plain values and the app's services and returns a `Success` (the
step moves on; the session belongs to `user`) or a `Failure` (the step stays,
with a message). Nothing here knows about HTTP.
"""

import asyncio
import logging
import math
from dataclasses import dataclass
from typing import Literal

from components.forms import Credentials, SignupDetails
from components.phones import Phone, mask
from components.services import Services
from components.sms import Message, SendFailed
from components.users import User
from components.verification import (
    Approved, Channel, Expired, RateLimited, Sent, TooManyAttempts, Unavailable, Undeliverable, WrongCode,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    text: str
    error: bool = False


@dataclass(frozen=True)
class Success:
    user: User | None
    notice: Notice
    fresh_session: bool = False
    changing_number: bool = False


@dataclass(frozen=True)
class Failure:
    notice: Notice
    field: str | None = None
    kind: Literal["invalid", "slow_down", "unavailable"] = "invalid"
    retry_after: int | None = None


def _failure(text: str, **kwargs) -> Failure:
    return Failure(Notice(text, error=True), **kwargs)


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _tries_left(count: int | None) -> str:
    if count is None:
        return " Check the latest text and try again."
    return f" {count} {'attempt' if count == 1 else 'attempts'} left."


def resend_wait(services: Services, user: User) -> int:
    """Seconds until this signup may be sent another code."""
    if user.code_sent_at is None:
        return 0
    left = user.code_sent_at + services.settings.resend_cooldown_seconds - services.clock()
    return max(0, math.ceil(left))


async def _send_code(services: Services, user: User, channel: Channel) -> Sent | Failure:
    """Send within the cooldown rules; the Failure says what the visitor can do."""
    if not await services.users.claim_send(user.id, services.settings.resend_cooldown_seconds):
        wait = resend_wait(services, await services.users.get(user.id) or user)
        return _failure(f"You can ask for a new code in {wait} seconds.", kind="slow_down", retry_after=wait)
    outcome = await _within_deadline(services, services.verifier.start(user, channel))
    if isinstance(outcome, Sent):
        log.info("code sent: user=%s channel=%s to=%s", user.id, channel, mask(user.phone))
        return outcome
    log.warning("code not sent: user=%s channel=%s outcome=%s", user.id, channel, outcome)
    await services.users.release_send(user.id)
    if isinstance(outcome, RateLimited):
        return _failure(
            f"Too many codes were requested for this number. Try again in {_minutes(outcome.retry_after)}.",
            kind="slow_down", retry_after=outcome.retry_after,
        )
    if isinstance(outcome, Undeliverable):
        advice = "Try a call, or use a different number." if outcome.try_call and channel == "sms" \
            else "Use a different number."
        return _failure(f"We can't send a code to {mask(user.phone)} by {_by(channel)}. {advice}", kind="invalid")
    return _failure(
        f"Our {_by(channel)} provider is not answering, so no code was sent to {mask(user.phone)}. "
        "Your account is saved: ask for a new code in a moment, or use a different number.",
        kind="unavailable",
    )


def _by(channel: Channel) -> str:
    return "phone call" if channel == "call" else "text message"


async def _within_deadline(services: Services, call):
    """No provider holds a request longer than the send deadline."""
    try:
        async with asyncio.timeout(services.settings.send_timeout_seconds):
            return await call
    except TimeoutError:
        return Unavailable()


def _sent_notice(outcome: Sent, user: User) -> Notice:
    if outcome.channel == "call":
        return Notice(f"We're calling {mask(user.phone)} now to read you a new code.")
    return Notice(f"We sent a new code to {mask(user.phone)}.")


async def _start(services: Services, user: User, *, fresh_session: bool) -> Success:
    """A signup moves to the code step whether or not a code could be sent now."""
    outcome = await _send_code(services, user, "sms")
    notice = Notice("Check your messages for the code.") if isinstance(outcome, Sent) else outcome.notice
    return Success(user, notice, fresh_session=fresh_session)


async def sign_up(services: Services, details: SignupDetails) -> Success | Failure:
    existing = await services.users.by_email(details.email)
    if existing is None:
        password_hash = await services.passwords.hash(details.password)
        user = await services.users.create(
            email=details.email, name=details.name, password_hash=password_hash,
            phone=details.phone.e164, country=details.phone.country,
        )
        if user:
            log.info("signup created: user=%s", user.id)
            return await _start(services, user, fresh_session=True)
        existing = await services.users.by_email(details.email)  # created by a concurrent request
    return await _resume(services, existing, details)


async def _resume(services: Services, existing: User | None, details: SignupDetails) -> Success | Failure:
    """The same email again: an unverified signup continues if the password matches."""
    if existing is None or existing.verified:
        return _failure("This email is already registered. Sign in instead.", field="email")
    if not await services.passwords.check(details.password, existing.password_hash):
        return _failure(
            "A signup with this email is waiting for its code. "
            "Enter the password you chose then to continue it.",
            field="password",
        )
    user = await services.users.update_pending(
        existing.id, name=details.name, phone=details.phone.e164, country=details.phone.country,
    )
    if user is None:
        return _failure("This email is already registered. Sign in instead.", field="email")
    log.info("signup resumed: user=%s", user.id)
    return await _start(services, user, fresh_session=True)


async def change_number(services: Services, user: User) -> Success:
    """Back to the form; the code sent to the old number stops working."""
    await services.verifier.cancel(user)
    return Success(user, Notice("Enter the mobile number to send a code to."), changing_number=True)


async def set_number(services: Services, user: User, phone: Phone) -> Success | Failure:
    updated = await services.users.update_pending(user.id, phone=phone.e164, country=phone.country)
    if updated is None:
        return _failure("This account is already verified.")
    return await _start(services, updated, fresh_session=False)


async def resend(services: Services, user: User, channel: Channel) -> Success | Failure:
    outcome = await _send_code(services, user, channel)
    if isinstance(outcome, Failure):
        return outcome
    return Success(user, _sent_notice(outcome, user))


async def check_code(services: Services, user: User, code: str) -> Success | Failure:
    outcome = await _within_deadline(services, services.verifier.check(user, code))
    log.info("code checked: user=%s outcome=%s", user.id, type(outcome).__name__)
    if isinstance(outcome, Approved):
        return await _verified(services, user)
    if isinstance(outcome, WrongCode):
        return _failure(f"That code is not right.{_tries_left(outcome.attempts_left)}", field="code")
    if isinstance(outcome, Expired):
        current = await services.users.get(user.id)
        if current and current.verified:  # the same code was accepted a moment ago
            return Success(current, Notice("Your number is verified."), fresh_session=True)
        return _failure("This code has expired or was replaced. Ask for a new code below.", field="code")
    if isinstance(outcome, TooManyAttempts):
        return _failure("Too many wrong tries: this code no longer works. Ask for a new code below.", field="code")
    if isinstance(outcome, RateLimited):
        return _failure(
            f"Too many tries. Wait {_minutes(outcome.retry_after)}, then try again.",
            kind="slow_down", retry_after=outcome.retry_after,
        )
    assert isinstance(outcome, Unavailable)
    return _failure("We couldn't check the code just now. Your details are saved: try again in a moment.",
                    kind="unavailable")


async def _verified(services: Services, user: User) -> Success:
    if not await services.users.mark_verified(user.id):
        return Success(user, Notice("Your number is verified."), fresh_session=True)
    log.info("verified: user=%s", user.id)
    if await send_confirmation(services, user):
        notice = Notice("Your number is verified. We sent you a text to confirm.")
    else:
        notice = Notice("Your number is verified, but we couldn't send the confirmation text.", error=True)
    return Success(await services.users.get(user.id), notice, fresh_session=True)


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


async def sign_in(services: Services, credentials: Credentials) -> Success | Failure:
    user = await services.users.by_email(credentials.email)
    if not await services.passwords.check(credentials.password, user.password_hash if user else None):
        return _failure("The email or password is not right.")
    log.info("signed in: user=%s", user.id)
    if user.verified:
        return Success(user, Notice(f"Welcome back, {user.name}."), fresh_session=True)
    return Success(user, Notice(f"Enter the code we sent to {mask(user.phone)}, or ask for a new one."),
                   fresh_session=True)
