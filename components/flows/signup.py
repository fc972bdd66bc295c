"""Signing up: a new unverified account, or the same signup resumed; a different
number for a signup waiting for its code; the right code verifies it."""

import logging

from components import metrics
from components.addresses import address_tiers
from components.durations import HOUR
from components.flows import notifications
from components.flows.password_checks import Refused, check_password, refusal
from components.flows.results import (
    PASSWORD_AND_CODE,
    Failure,
    Notice,
    Success,
    failure,
    minutes,
    slow_down,
)
from components.flows.sending import first_code
from components.forms import SignupDetails
from components.language import DEFAULT
from components.phones import Phone
from components.proof_of_work import NO_PROOF, Proof
from components.services import Services
from components.storage.limits import per_address
from components.storage.users import User
from components.text import _

log = logging.getLogger(__name__)
ALREADY_REGISTERED = _("This email is already registered. Sign in instead.")


async def sign_up(
    services: Services, details: SignupDetails, address: str, language: str = DEFAULT, proof: Proof = NO_PROOF
) -> Success | Failure:
    """A new account in `language` (its texts will be), or an unfinished signup resumed.
    `proof`: what the browser brings (its history of entering codes) if the code asks for it."""
    settings = services.settings
    tiers = address_tiers(address, settings.ipv6_prefix)
    wait = await services.limits.take(*per_address("signup:address", tiers, settings.signups_per_address_hour, HOUR))
    if wait is not None:
        log.warning("signup refused by limits: address=%s retry_after=%s", address, wait)
        return slow_down(_("Too many signups from your network. Try again in %(wait)s.", wait=minutes(wait)), wait)
    existing = await services.users.by_email(details.email)
    if existing and not existing.verified and existing.created_at < services.clock() - settings.unverified_ttl_seconds:
        await services.users.close_signup(existing.id)  # too late to finish: the email is free again
        existing = None
    if existing is None:
        password_hash = await services.passwords.hash(details.password)
        user = await services.users.create(
            email=details.email,
            name=details.name,
            password_hash=password_hash,
            phone=details.phone.e164,
            country=details.phone.country,
            language=language,
        )
        if user:
            log.info("signup created: user=%s", user.id)
            metrics.SIGNUPS.labels("new").inc()
            return Success(*await first_code(services, user, address, proof), fresh_session=True)
        existing = await services.users.by_email(details.email)  # created by a concurrent request
    return await _resume(services, existing, details, address, language, proof)


async def _resume(
    services: Services, existing: User | None, details: SignupDetails, address: str, language: str, proof: Proof
) -> Success | Failure:
    """The same email again: an unverified signup continues if the password matches."""
    if existing is None or existing.verified:
        return failure(ALREADY_REGISTERED, field="email")
    checked = await check_password(services, details.email, details.password, address, existing)
    if isinstance(checked, Refused):
        wrong = _("A signup with this email is waiting for its code. Enter the password you chose then to continue it.")
        return refusal(checked, wrong, field="password")
    user = await services.users.update_pending(
        existing.id,
        name=details.name,
        phone=details.phone.e164,
        country=details.phone.country,
        language=language,
    )
    if user is None:
        return failure(ALREADY_REGISTERED, field="email")
    log.info("signup resumed: user=%s", user.id)
    metrics.SIGNUPS.labels("resumed").inc()
    return Success(*await first_code(services, user, address, proof), fresh_session=True)


async def different_number(services: Services, user: User) -> Success:
    """The code sent to the signup's number stops working; the visitor gives another."""
    await services.verifier.cancel(user)
    return Success(user, Notice(_("Enter the mobile number to send a code to.")))


async def set_number(
    services: Services, user: User, phone: Phone, address: str, proof: Proof = NO_PROOF
) -> Success | Failure:
    """The signup's new number is kept and sent a code, as a resend would be (its cooldown holds)."""
    updated = await services.users.update_pending(user.id, phone=phone.e164, country=phone.country)
    if updated is None:
        return failure(_("This account is already verified."))
    return Success(*await first_code(services, updated, address, proof))


async def verified(services: Services, user: User) -> Success:
    """The signup's code was right: the account is verified, and a text confirms it.
    Only this browser is signed in: any other that resumed the signup (with its
    password alone) is signed out, as it never typed the code."""
    async with services.transaction():
        done = await services.users.finish_challenge(user.id, "signup", verified_at=services.clock())
        if done is not None:
            await services.sessions.close_all(done.id)  # this browser's opens afresh with the answer
            await notifications.write(services, done, done.phone, notifications.verified(services))
    if done is None:  # another request with the same code got there first
        current = await services.users.get(user.id) or user
        return Success(current, Notice(_("Your number is verified.")), fresh_session=True, proved=PASSWORD_AND_CODE)
    notifications.send_soon(services)
    log.info("verified: user=%s", user.id)
    notice = Notice(_("Your number is verified. A text to confirm it is on its way."))
    return Success(done, notice, fresh_session=True, proved=PASSWORD_AND_CODE, journey="signup")
