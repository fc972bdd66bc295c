"""What a step's template gets beyond the form basics: each need a step names
in the table (`needs`), built only for the steps that name it."""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from components.flows import account, delivery, devices, reset, sending
from components.flows.sending import recipient, resend_wait
from components.phones import national_form, shown_mask
from components.storage.users import User
from components.web.incoming import WAITING_KEY, account_of, address_of, proof_of, services_of
from components.web.sessions import OFFER_PASSKEY
from components.web.step_table import Need
from components.web.visits import Visit, password_needed


async def _countries(request: Request, visit: Visit) -> dict[str, Any]:
    """Nothing to add: the list is rendered once (components/web/templates.py). The need marks the
    steps that show it (the others' full pages carry it for fragments to come)."""
    return {}


async def _current_number(request: Request, visit: Visit) -> dict[str, Any]:
    account = account_of(visit)
    return {"values": {"country": account.country, "phone": national_form(account.phone)}}


async def _masked_phone(request: Request, visit: Visit) -> dict[str, Any]:
    return {"masked_phone": shown_mask(account_of(visit).phone)}


async def _code(request: Request, visit: Visit) -> dict[str, Any]:
    """The code step, for whatever the code is for. A reset's shows nothing of the
    account (it may have none), and the same waits for every email."""
    services = services_of(request)
    purpose, settings = visit.code_purpose, services.settings
    common = {
        "purpose": purpose,
        "channels": services.verifier.channels,
        "code_minutes": settings.code_ttl_seconds // 60,
        "can_remember": purpose == "signin" and settings.signin_code == "new-browser",
        "remember_days": settings.remember_browser_days,
    }
    if (
        purpose == "reset" and visit.reset
    ):  # no delivery shown: a text sent or not would tell if the email has an account
        wait = await reset.email_cooldown(services, visit.reset.email)
        return {
            **common,
            "reset_email": visit.reset.email,
            "resend_wait": wait,
            "code_sent": True,
            "delivery": None,
            "puzzle": None,
            "held_for": 0,  # alike for every email: a reset's limits show in its answers only
        }
    shown = recipient(account_of(visit))
    return {
        **common,
        "code_phone": sending.said_number(shown),
        "resend_wait": resend_wait(services, shown),
        "code_sent": shown.code_sent_at is not None,
        "delivery": await delivery.of_code(services, shown),
        "delivery_wait": delivery.FIRST_POLL_SECONDS,
        **await _offered(request, shown),
    }


async def _offered(request: Request, shown: User) -> dict[str, Any]:
    """How long new codes are held (the step offers them only when they can work), and the
    puzzle when the next code asks for proof of work, with the wait instead, which the
    session keeps (a wait shown again goes on from where it was)."""
    services, proof = services_of(request), proof_of(request)
    offer = await sending.offer(services, shown, address_of(request), proof.history)
    puzzle = services.proof_of_work.ask(sending.proof_bound(shown), proof.waiting) if offer.proof else None
    if puzzle:
        request.session[WAITING_KEY] = list(puzzle.waiting)
    return {"held_for": offer.held_for, "puzzle": puzzle}


async def _reauth(request: Request, visit: Visit) -> dict[str, Any]:
    """Whether the password must be given again (the sign-in is not recent), and whether one
    of the account's passkeys may stand in for it."""
    services = services_of(request)
    needed = password_needed(services, visit)
    passkey = needed and services.settings.passkeys == "on"
    return {
        "reauth": needed,
        "reauth_minutes": services.settings.reauth_seconds // 60,
        "reauth_passkey": passkey and bool(await services.passkeys.of_account(account_of(visit).id)),
    }


async def _number_change(request: Request, visit: Visit) -> dict[str, Any]:
    """A number change waiting (the current number can no longer get texts): said on every
    visit to the account, with a button that cancels it. The days a change waits."""
    services, user = services_of(request), account_of(visit)
    waiting = user.number_change_at is not None
    return {
        "number_change": account.waiting_notice(user) if waiting else None,
        "number_change_token": account.cancel_token(services, user) if waiting else "",
        "wait_days": services.settings.number_change_wait_days,
    }


async def _apps(request: Request, visit: Visit) -> dict[str, Any]:
    """The apps that can sign the account in (OpenID Connect clients it allowed, or first-party ones it used)."""
    return {"apps": await services_of(request).consents.of_account(account_of(visit).id)}


async def _passkeys(request: Request, visit: Visit) -> dict[str, Any]:
    """Whether passkeys are offered, and the signed-in account's (static/passkeys.js shows
    them only where the browser can use them); whether to offer one now (a signup just verified)."""
    services = services_of(request)
    on = services.settings.passkeys == "on"
    signed_in = on and visit.stage == "signed-in" and visit.account is not None
    kept = await services.passkeys.of_account(account_of(visit).id) if signed_in else []
    offer = signed_in and request.session.pop(OFFER_PASSKEY, False) and not kept  # once, just after signing up
    return {
        "passkeys_on": on,
        "passkeys": kept,
        "passkeys_most": services.settings.passkeys_per_account,
        "offer_passkey": offer,
    }


async def _devices(request: Request, visit: Visit) -> dict[str, Any]:
    """The account's signed-in browsers and remembered ones, this browser's marked."""
    services, user = services_of(request), account_of(visit)
    found = await devices.of_account(services, user, str(request.session.get("sid")))
    this_one = services.remembered.row(request.cookies.get(services.remembered.cookie), user.id, user.session_version)
    return {"signed_in": found.sessions, "remembered": found.remembered, "this_remembered": this_one}


async def _activity(request: Request, visit: Visit, most: int = devices.MOST) -> dict[str, Any]:
    """The account's events of the last ACTIVITY_DAYS, newest first."""
    services = services_of(request)
    events = await devices.activity(services, account_of(visit), most)
    return {"events": events, "activity_days": services.settings.activity_days}


async def _recent_activity(request: Request, visit: Visit) -> dict[str, Any]:
    """The newest few, for the account page (the activity page lists them all)."""
    return await _activity(request, visit, devices.RECENT)


NEEDS: dict[Need, Callable[[Request, Visit], Awaitable[dict[str, Any]]]] = {
    "countries": _countries,
    "current_number": _current_number,
    "masked_phone": _masked_phone,
    "code": _code,
    "reauth": _reauth,
    "number_change": _number_change,
    "apps": _apps,
    "passkeys": _passkeys,
    "devices": _devices,
    "activity": _activity,
    "recent_activity": _recent_activity,
}
