"""A forgotten password: the email, a code to the account's verified number, a new password.

Every email gets the same answers, as fast, and leaves the same rows behind:
"if it has an account, we sent a code". Only a verified account is sent one,
after the answer has gone, so the timing tells nothing either; every limit
and try is counted under the email's keyed hash, account or not. (Signup still
says whether an email is registered: it must. This journey adds nothing to that.)

Anyone can type someone's email here, so nothing here can cost the owner
their own way in. A reset never touches the code the account waits for (a
sign-in, a new number): its code lives apart (providers/local.py). While a
reset code is live, asking again sends nothing: the owner's phone already
holds a working code. Its texts have their own quota, of which one address
group (IPv4 /24, IPv6 /48) gets a small share. Wrong codes count per session
and per address group, never against the account: they lock nothing.

A right code lets the session choose a new password; setting it signs in,
ends every other session and remembered browser, clears a throttled or
locked password sign-in, and texts a notice to the number.
"""

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable
from typing import TypeVar

from components import metrics
from components.addresses import address_tiers, wide_group
from components.durations import DAY, HOUR
from components.flows import notifications
from components.flows.password_checks import clear_password_checks, email_key
from components.flows.results import (
    PASSWORD_AND_CODE,
    Failure,
    Notice,
    Pending,
    Success,
    failure,
    minutes,
    slow_down,
)
from components.flows.sending import CODE_REPLACED, OUT_OF_TRIES, attempts_left, cooling_down, within_deadline
from components.phones import mask
from components.providers.interface import (
    Approved,
    Channel,
    CheckOutcome,
    Expired,
    RateLimited,
    Sent,
    Unavailable,
)
from components.purposes import Challenge
from components.services import Services
from components.storage.limits import Limit, per_address
from components.storage.users import User
from components.text import LeftToRight, _

log = logging.getLogger(__name__)
SHARE_OF_SENDS = 2  # of an email's reset texts an hour, what one address group may ask for
T = TypeVar("T")


def _live(services: Services, email: str) -> Limit:
    """Taken while the email's reset code is live (for every email alike)."""
    return Limit(f"reset:live:{_key(services, email)}", 1, services.settings.code_ttl_seconds)


def _sends(services: Services, email: str, address: str) -> tuple[Limit, ...]:
    """A reset's texts: the cooldown, as many as one number may get, and one address
    group's share of those."""
    settings, key = services.settings, _key(services, email)
    return (
        Limit(f"reset:cooldown:{key}", 1, settings.resend_cooldown_seconds),
        Limit(f"reset:hour:{key}", settings.sends_per_number_hour, HOUR),
        Limit(f"reset:day:{key}", settings.sends_per_number_day, DAY),
        Limit(f"reset:share:{key}:{wide_group(address)}", SHARE_OF_SENDS, HOUR),
    )


def _asks(services: Services, address: str) -> list[Limit]:
    settings = services.settings
    return per_address(
        "reset:address", address_tiers(address, settings.ipv6_prefix), settings.sends_per_address_hour, HOUR
    )


def _tries(services: Services, reset: Pending, address: str) -> tuple[Limit, Limit, Limit]:
    """This session's tries at the live code, one address group's wrong codes for the email
    an hour, and all of them (NIST SP 800-63B-4: at most 100)."""
    settings, key = services.settings, _key(services, reset.email)
    return (
        Limit(f"reset:tries:{reset.nonce}", settings.code_max_attempts, settings.code_ttl_seconds),
        Limit(f"reset:guesses:{key}:{wide_group(address)}", settings.failed_checks_before_lock, HOUR),
        Limit(f"reset:guesses:{key}", settings.failed_checks_before_stop, HOUR),
    )


def _key(services: Services, email: str) -> str:
    return email_key(services.settings.app_secret, email)


async def email_cooldown(services: Services, email: str) -> int:
    """Seconds until this email may be sent another reset code (alike for every email)."""
    return await services.limits.wait(_sends(services, email, "")[0])


async def request_reset(services: Services, email: str, address: str) -> Success | Failure:
    """A code to the account's number, if the email has a verified account and no reset
    code is live already; the same answer either way."""
    if wait := await services.limits.take(*_asks(services, address)):
        return _refused(services, wait, address)
    live = _live(services, email)
    if await services.limits.take(live) is None:  # no code is live: this request sends one
        if wait := await services.limits.take(*_sends(services, email, address)):
            await services.limits.give_back(live)
            return _refused(services, wait, address)
        _send_soon(services, email, "sms", address)
    notice = Notice(  # announced only: the code step's first line says it
        _("If %(email)s has an account, we sent a code to its mobile number.", email=LeftToRight(email)), quiet=True
    )
    return Success(None, notice, fresh_session=True, pending=_way(email))


async def resend_reset(services: Services, reset: Pending, channel: Channel, address: str) -> Success | Failure:
    """A new code (the live one stops working), with a new set of tries for this session."""
    if wait := await services.limits.take(*_sends(services, reset.email, address)):
        return _refused(services, wait, address)
    live = _live(services, reset.email)
    # The live code's time starts again with the new one. A request between these two
    # may send a code of its own: it took its own place in the quota, so none goes uncounted.
    await services.limits.clear(live)
    await services.limits.take(live)
    _send_soon(services, reset.email, channel, address)
    if channel == "call":
        sent = _(
            "If %(email)s has an account, we're calling its mobile number with a new code.",
            email=LeftToRight(reset.email),
        )
    else:
        sent = _(
            "If %(email)s has an account, we sent a new code to its mobile number.", email=LeftToRight(reset.email)
        )
    return Success(None, Notice(sent), pending=_way(reset.email))


def _way(email: str) -> Pending:
    """A session's reset: the email, and a name for its own count of tries at the code."""
    return Pending("reset", email=email, nonce=secrets.token_urlsafe(12))


def _refused(services: Services, wait: int, address: str) -> Failure:
    log.info("password reset refused by limits: address=%s retry_after=%s", address, wait)
    if wait <= services.settings.resend_cooldown_seconds:
        return cooling_down(wait)
    return slow_down(_("Too many codes were requested. Try again in %(wait)s.", wait=minutes(wait)), wait)


def _send_soon(services: Services, email: str, channel: Channel, address: str) -> None:
    """After the answer has gone (its timing tells nothing): to a verified account only."""
    services.background.spawn(_send(services, email, channel, address), "reset code")


async def _send(services: Services, email: str, channel: Channel, address: str) -> None:
    user = await services.users.by_email(email)
    if user is None or not user.verified:
        return
    outcome = await within_deadline(services, services.verifier.start(user, channel, "reset"))
    metrics.CODES_SENT.labels(channel, type(outcome).__name__.lower(), user.country).inc()
    if isinstance(outcome, Sent):
        log.info("reset code sent: user=%s channel=%s to=%s address=%s", user.id, channel, mask(user.phone), address)
        return
    log.warning("reset code not sent: user=%s channel=%s outcome=%s", user.id, channel, outcome)
    await services.limits.clear(_live(services, email))  # no code is live: the next ask sends one


async def check_code(
    services: Services, account: User | None, reset: Pending, code: str, address: str
) -> Success | Failure:
    """A code typed for a reset: counted, then checked against the account's reset code
    (an email without a verified account has none, and gets the same answers)."""
    if not await services.limits.wait(_live(services, reset.email)):
        return failure(CODE_REPLACED, field="code")
    session_tries, *guesses = _tries(services, reset, address)
    if wait := await services.limits.take(session_tries, *guesses):
        if await services.limits.wait(session_tries):
            return failure(OUT_OF_TRIES, field="code")
        log.warning("reset code refused: address=%s reason=too-many-guesses retry_after=%s", address, wait)
        return slow_down(_("Too many tries. Wait %(wait)s, then try again.", wait=minutes(wait)), wait)
    outcome = await _alike(services, _check(services, account, code))
    metrics.CHECKS.labels(type(outcome).__name__ if outcome else "WrongCode").inc()
    if isinstance(outcome, Approved) and account:
        metrics.VERIFIED.labels("reset", account.country).inc()
        await services.limits.clear(_live(services, reset.email))
        return await _code_was_right(services, account)
    if isinstance(outcome, Expired):
        return failure(CODE_REPLACED, field="code")
    if isinstance(outcome, (RateLimited, Unavailable)):
        await services.limits.give_back(session_tries, *guesses)
        return failure(
            _("We couldn't check the code just now. Your details are saved: try again in a moment."), kind="unavailable"
        )
    who = account.id if account else "unknown"
    log.warning("code refused: account=%s address=%s purpose=reset reason=wrong", who, address)
    wrong = min(reset.wrong + 1, services.settings.code_max_attempts)
    counted = Pending("reset", email=reset.email, wrong=wrong, nonce=reset.nonce)
    left = services.settings.code_max_attempts - wrong
    return failure(attempts_left(left) if left > 0 else OUT_OF_TRIES, field="code", pending=counted)


async def _check(services: Services, account: User | None, code: str) -> CheckOutcome | None:
    """The account's reset code against the one typed; None: the email has no account to check."""
    if account is None:
        return None
    return await within_deadline(services, services.verifier.check(account, code, "reset"))


async def _alike(services: Services, check: Awaitable[T]) -> T:
    """No sooner than RESET_CHECK_SECONDS, whatever the check did: a real account's reads its
    code (or asks the provider), an unknown email's does nothing, and the time must not say which."""
    started = time.monotonic()
    result = await check
    await asyncio.sleep(max(0.0, services.settings.reset_check_seconds - (time.monotonic() - started)))
    return result


async def _code_was_right(services: Services, user: User) -> Success | Failure:
    """The reset's code was right: this session (only) may now choose a new password."""
    ready = await services.users.start_challenge(user.id, "password", fresh=True)
    if ready is None:
        return failure(CODE_REPLACED, field="code")
    log.info("password reset code right: user=%s", user.id)
    chosen = Notice(_("Choose a new password."), quiet=True)  # the heading says it: announced only
    return Success(None, chosen, fresh_session=True, pending=Pending("password", ready))


async def set_new_password(services: Services, user: User, password: str) -> Success | Failure:
    changed = await replace_password(services, user.id, await services.passwords.hash(password), after="password")
    if changed is None:
        return failure(_("This reset has expired. Ask for a new code."))
    log.info("password reset: user=%s", changed.id)
    notice = Notice(_("Your password is changed, and you are signed in."))
    return Success(changed, notice, fresh_session=True, proved=PASSWORD_AND_CODE, journey="reset")


async def replace_password(
    services: Services, user_id: int, hashed: str, *, after: Challenge | None = None
) -> User | None:
    """The new password, all at once or not at all: every session ends (the answer opens a
    new one for this browser), remembered browsers with them; a throttled or locked password
    sign-in is cleared; a notice text goes to the number. None: the account (or, `after` a
    reset's code, that reset) is no longer there."""
    async with services.transaction():
        changed = await services.users.set_password(user_id, hashed, after=after)
        if changed is None:
            return None
        await services.sessions.close_all(changed.id)
        await services.remembered_browsers.forget_all(changed.id)
        await services.activity.record(changed.id, "password-reset" if after else "password-changed")
        await services.logout_notices.queue_for_account(changed.id)  # apps it signed in to are told
        await clear_password_checks(services, changed.email)
        await notifications.write(services, changed, changed.phone, notifications.password_changed(services))
    notifications.send_soon(services)
    return changed
