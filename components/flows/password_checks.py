"""Every password check: throttled before bcrypt runs, counted in a row, logged when refused.

Throttles are keyed by the email typed, not by the account, so an unknown
email, a wrong password and a throttled account get the same answers after
the same work: bcrypt runs for an unknown email too, and runs for neither
once throttled. Per email: PASSWORD_FAILURES_PER_EMAIL wrong passwords per
PASSWORD_WINDOW_SECONDS (a burst, then one a step: storage/limits.py), and PASSWORD_FAILURES_BEFORE_LOCK in a row
before only a code to the account's phone can clear them. Per client address
(IPv6 by its prefix): PASSWORD_FAILURES_PER_ADDRESS in the same window.
Every slot is taken before the check and given back when the password is
right, so racing guesses cannot pass a limit.
"""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Literal

from components.addresses import address_tiers
from components.browsers import network_of
from components.flows.results import Failure, failure, minutes, slow_down
from components.forms import mailbox
from components.services import Services
from components.settings import Settings
from components.storage.limits import Limit, per_address
from components.storage.users import User
from components.text import Text, _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refused:
    reason: Literal["wrong", "throttled", "locked"]
    retry_after: int | None = None


def email_key(secret: str, email: str) -> str:
    key = hashlib.sha256(b"password-checks:" + secret.encode()).digest()
    return hmac.new(key, mailbox(email).encode(), hashlib.sha256).hexdigest()


def _per_email(settings: Settings, key: str) -> Limit:
    return Limit(f"password:email:{key}", settings.password_failures_per_email, settings.password_window_seconds)


def _per_browser(settings: Settings, token: str) -> Limit:
    """As many wrong passwords as an email gets, for one known browser (keyed by its token's hash)."""
    key = hashlib.sha256(token.encode()).hexdigest()
    return Limit(f"password:browser:{key}", settings.password_failures_per_email, settings.password_window_seconds)


async def clear_password_checks(services: Services, email: str) -> None:
    """The email's wrong passwords are forgotten: throttled or locked, it may sign in again."""
    key = email_key(services.settings.app_secret, email)
    await services.password_failures.clear(key)
    await services.limits.clear(_per_email(services.settings, key))


async def check_password(
    services: Services,
    email: str,
    password: str,
    address: str,
    user: User | None,
    *,
    browser: str | None = None,
) -> User | Refused:
    """`user`: the account with this email, if there is one (looked up by the caller
    either way). `browser`: its known-browser token, if it has one: a browser that
    passed the second factor for this account counts its wrong passwords against
    itself, not the email, so strangers who spent the email's cannot lock it out."""
    settings = services.settings
    key = email_key(settings.app_secret, email)
    known = user is not None and services.known.remembered(browser, user.id, user.session_version)
    limits = (
        _per_browser(settings, str(browser)) if known else _per_email(settings, key),
        *per_address(
            "password:address",
            address_tiers(address, settings.ipv6_prefix),
            settings.password_failures_per_address,
            settings.password_window_seconds,
        ),
    )
    account = user.id if user else "unknown"
    if (wait := await services.limits.take(*limits)) is not None:
        log.warning("password refused: account=%s address=%s reason=throttled retry_after=%s", account, address, wait)
        return Refused("throttled", wait)
    if not known and not await services.password_failures.count(key, settings.password_failures_before_lock):
        log.warning("password refused: account=%s address=%s reason=locked", account, address)
        return Refused("locked")
    matched = await services.passwords.check(password, user.password_hash if user else None)
    if matched and user is not None:  # (no hash, no match: the same work was done)
        await services.password_failures.clear(key)
        await services.limits.give_back(*limits)
        return user
    if known:
        log.warning("password refused: account=%s address=%s reason=wrong browser=known", account, address)
    else:
        log.warning("password refused: account=%s address=%s reason=wrong", account, address)
    if user is not None:  # for its owner's activity: after the answer, so the time tells no one it exists
        services.background.spawn(services.activity.password_refused(user.id, network_of(address)), "activity")
    return Refused("wrong")


def refusal(refused: Refused, wrong: Text, *, field: str | None = None) -> Failure:
    """What the visitor reads; the same whether or not the email has an account."""
    if refused.reason == "throttled":
        wait = refused.retry_after or 1
        return slow_down(_("Too many tries for this email. Try again in %(wait)s.", wait=minutes(wait)), wait)
    if refused.reason == "locked":
        return failure(
            _(
                "There have been too many wrong passwords for this email, so it can no longer be used to "
                "sign in with a password. Reset your password with a code to your phone."
            ),
            kind="slow_down",
        )
    return failure(wrong, field=field)
