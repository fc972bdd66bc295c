"""A forgotten password: the email, a code to the account's verified number, a new password.

Every email gets the same answers, as fast: "if it has an account, we sent a
code". Only a verified account is sent one, after the answer has gone, so the
timing tells nothing either. Sends are limited per email (and per address)
the same way for every email; wrong codes for an email without an account
are counted in the session, as a real code's are shown there, so the next
answers match too. (Signup still says whether an email is registered: it
must. This journey adds nothing to that.)

A right code lets the session choose a new password; setting it signs in,
ends every other session and remembered browser, clears a throttled or
locked password sign-in, and texts a notice to the number.
"""

import logging

from components.addresses import address_group
from components.durations import DAY, HOUR
from components.flows import notifications
from components.flows.password_checks import clear_password_checks, email_key
from components.flows.results import (
    Failure,
    Notice,
    Pending,
    Success,
    failure,
    minutes,
    slow_down,
)
from components.flows.sending import CODE_REPLACED, OUT_OF_TRIES, attempts_left, cooling_down, send_later
from components.providers.interface import Channel
from components.purposes import Challenge
from components.services import Services
from components.storage.limits import Limit
from components.storage.users import User
from components.text import LeftToRight, _

log = logging.getLogger(__name__)


def _limits(services: Services, email: str, address: str) -> tuple[Limit, ...]:
    """Alike for every email: the cooldown, and as many codes as one number may get."""
    settings, key = services.settings, email_key(services.settings.app_secret, email)
    return (
        Limit(f"reset:cooldown:{key}", 1, settings.resend_cooldown_seconds),
        Limit(f"reset:hour:{key}", settings.sends_per_number_hour, HOUR),
        Limit(f"reset:day:{key}", settings.sends_per_number_day, DAY),
        Limit(f"reset:address:{address_group(address, settings.ipv6_prefix)}", settings.sends_per_address_hour, HOUR),
    )


async def email_cooldown(services: Services, email: str) -> int:
    """Seconds until this email may be sent another reset code (alike for every email)."""
    return await services.limits.wait(_limits(services, email, "")[0])


async def request_reset(services: Services, email: str, address: str) -> Success | Failure:
    """A code to the account's number, if the email has a verified account; the same answer either way."""
    if failed := await _may_send(services, email, address):
        return failed
    user = await services.users.by_email(email)
    if user and user.verified:
        waiting = await services.users.start_challenge(user.id, "reset", fresh=True)
        if waiting:
            await send_later(services, waiting, "sms", address)
    log.info("password reset asked: account=%s address=%s", user.id if user and user.verified else "unknown", address)
    notice = Notice(_("If %(email)s has an account, we sent a code to its mobile number.", email=LeftToRight(email)))
    return Success(None, notice, fresh_session=True, pending=Pending("reset", email=email))


async def resend_reset(
    services: Services, account: User | None, reset: Pending, channel: Channel, address: str
) -> Success | Failure:
    if failed := await _may_send(services, reset.email, address):
        return failed
    if account:  # a new code, with a new set of tries at once (as the session's count for any email)
        waiting = await services.users.start_challenge(account.id, "reset", fresh=True)
        if waiting:
            await send_later(services, waiting, channel, address)
    if channel == "call":
        sent = _(
            "If %(email)s has an account, we're calling its mobile number with a new code.",
            email=LeftToRight(reset.email),
        )
    else:
        sent = _(
            "If %(email)s has an account, we sent a new code to its mobile number.", email=LeftToRight(reset.email)
        )
    return Success(None, Notice(sent), pending=Pending("reset", email=reset.email))


async def _may_send(services: Services, email: str, address: str) -> Failure | None:
    wait = await services.limits.take(*_limits(services, email, address))
    if wait is None:
        return None
    log.info("password reset refused by limits: address=%s retry_after=%s", address, wait)
    if wait <= services.settings.resend_cooldown_seconds:
        return cooling_down(wait)
    return slow_down(_("Too many codes were requested. Try again in %(wait)s.", wait=minutes(wait)), wait)


async def no_account_code(services: Services, reset: Pending, address: str) -> Failure:
    """A code typed for an email with no verified account: wrong, counted as a real one
    is (checking.check_code checks the codes of an email that has one)."""
    log.warning("code refused: account=unknown address=%s purpose=reset reason=wrong", address)
    if reset.wrong >= services.settings.code_max_attempts:
        return failure(OUT_OF_TRIES, field="code")
    wrong = reset.wrong + 1
    left = services.settings.code_max_attempts - wrong
    counted = Pending("reset", email=reset.email, wrong=min(wrong, services.settings.code_max_attempts))
    if left <= 0:
        return failure(OUT_OF_TRIES, field="code", pending=counted)
    return failure(attempts_left(left), field="code", pending=counted)


async def code_was_right(services: Services, user: User) -> Success | Failure:
    """The reset's code was right: this session (only) may now choose a new password."""
    ready = await services.users.finish_challenge(user.id, "reset", then="password")
    if ready is None:
        return failure(CODE_REPLACED, field="code")
    log.info("password reset code right: user=%s", user.id)
    return Success(None, Notice(_("Choose a new password.")), fresh_session=True, pending=Pending("password", ready))


async def set_new_password(services: Services, user: User, password: str) -> Success | Failure:
    changed = await replace_password(services, user.id, await services.passwords.hash(password), after="password")
    if changed is None:
        return failure(_("This reset has expired. Ask for a new code."))
    log.info("password reset: user=%s", changed.id)
    return Success(changed, Notice(_("Your password is changed, and you are signed in.")), fresh_session=True)


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
        await clear_password_checks(services, changed.email)
        await notifications.write(services, changed, changed.phone, notifications.password_changed(services))
    notifications.send_soon(services)
    return changed
