"""What a step's template gets beyond the form basics: each need a step names
in the table (`needs`), built only for the steps that name it."""

from collections.abc import Awaitable, Callable
from typing import Any

from components.flows import account, delivery, reset
from components.flows.sending import recipient, resend_wait
from components.phones import mask, national_form
from components.services import Services
from components.web.incoming import account_of
from components.web.step_table import Need
from components.web.visits import Visit, password_needed


async def _countries(services: Services, visit: Visit) -> dict[str, Any]:
    """Nothing to add: the list is rendered once (components/web/templates.py). The need marks the
    steps that show it (the others' full pages carry it for fragments to come)."""
    return {}


async def _current_number(services: Services, visit: Visit) -> dict[str, Any]:
    account = account_of(visit)
    return {"values": {"country": account.country, "phone": national_form(account.phone)}}


async def _masked_phone(services: Services, visit: Visit) -> dict[str, Any]:
    return {"masked_phone": mask(account_of(visit).phone)}


async def _code(services: Services, visit: Visit) -> dict[str, Any]:
    """The code step, for whatever the code is for. A reset's shows nothing of the
    account (it may have none), and the same waits for every email."""
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
        return {**common, "reset_email": visit.reset.email, "resend_wait": wait, "code_sent": True, "delivery": None}
    shown = recipient(account_of(visit))
    return {
        **common,
        "masked_phone": mask(shown.phone),
        "resend_wait": resend_wait(services, shown),
        "code_sent": shown.code_sent_at is not None,
        "delivery": await delivery.of_code(services, shown),
        "delivery_wait": delivery.FIRST_POLL_SECONDS,
    }


async def _reauth(services: Services, visit: Visit) -> dict[str, Any]:
    """Whether the password must be given again (the sign-in is not recent)."""
    return {
        "reauth": password_needed(services, visit),
        "reauth_minutes": services.settings.reauth_seconds // 60,
    }


async def _number_change(services: Services, visit: Visit) -> dict[str, Any]:
    """A number change waiting (the current number can no longer get texts): said on every
    visit to the account, with a button that cancels it. The days a change waits."""
    user = account_of(visit)
    waiting = user.number_change_at is not None
    return {
        "number_change": account.waiting_notice(user) if waiting else None,
        "number_change_token": account.cancel_token(services, user) if waiting else "",
        "wait_days": services.settings.number_change_wait_days,
    }


NEEDS: dict[Need, Callable[[Services, Visit], Awaitable[dict[str, Any]]]] = {
    "countries": _countries,
    "current_number": _current_number,
    "masked_phone": _masked_phone,
    "code": _code,
    "reauth": _reauth,
    "number_change": _number_change,
}
