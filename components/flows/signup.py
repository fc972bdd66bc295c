"""Signing up: a new unverified account, or the same signup resumed."""

import logging

from components.flows.results import Failure, Success, failure, minutes, slow_down
from components.flows.sending import first_code
from components.forms import SignupDetails
from components.services import Services
from components.storage.limits import HOUR, Limit
from components.storage.users import User

log = logging.getLogger(__name__)
ALREADY_REGISTERED = "This email is already registered. Sign in instead."


async def sign_up(services: Services, details: SignupDetails, origin: str) -> Success | Failure:
    settings = services.settings
    wait = await services.limits.take(Limit(f"signup:address:{origin}", settings.signups_per_address_hour, HOUR))
    if wait is not None:
        log.warning("signup refused by limits: retry_after=%s", wait)
        return slow_down(f"Too many signups from your network. Try again in {minutes(wait)}.", wait)
    await services.users.purge_unverified(services.clock() - settings.unverified_ttl_seconds)
    await services.limits.forget_old()
    existing = await services.users.by_email(details.email)
    if existing is None:
        password_hash = await services.passwords.hash(details.password)
        user = await services.users.create(
            email=details.email, name=details.name, password_hash=password_hash,
            phone=details.phone.e164, country=details.phone.country,
        )
        if user:
            log.info("signup created: user=%s", user.id)
            return await first_code(services, user, origin, fresh_session=True)
        existing = await services.users.by_email(details.email)  # created by a concurrent request
    return await _resume(services, existing, details, origin)


async def _resume(services: Services, existing: User | None, details: SignupDetails, origin: str) -> Success | Failure:
    """The same email again: an unverified signup continues if the password matches."""
    if existing is None or existing.verified:
        return failure(ALREADY_REGISTERED, field="email")
    if not await services.passwords.check(details.password, existing.password_hash):
        return failure(
            "A signup with this email is waiting for its code. Enter the password you chose then to continue it.",
            field="password",
        )
    user = await services.users.update_pending(
        existing.id, name=details.name, phone=details.phone.e164, country=details.phone.country,
    )
    if user is None:
        return failure(ALREADY_REGISTERED, field="email")
    log.info("signup resumed: user=%s", user.id)
    return await first_code(services, user, origin, fresh_session=True)
