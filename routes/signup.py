"""The signup journey: the form that creates an account (or resumes one) and sends
the first code; a different number while the code is awaited (the code step is
routes/code.py)."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import signup
from components.flows.results import Notice
from components.forms import Invalid, kept_values, read_phone, read_signup
from components.text import _
from components.web.incoming import (
    address_of,
    checked_form,
    language_of,
    pending_signup,
    proof_of,
    services_of,
    session_user,
)
from components.web.render import back_to_current, invalid, respond


async def sign_up(request: Request) -> Response:
    form = await checked_form(request)
    services = services_of(request)
    user = await session_user(request)
    if user and user.verified:
        return await back_to_current(request, Notice(_("Your account is already verified.")))
    settings = services.settings
    details = read_signup(form, settings.default_country, settings.allowed_countries, settings.password_min_length)
    if isinstance(details, Invalid):
        return await invalid(request, details)
    result = await signup.sign_up(services, details, address_of(request), language_of(request), proof_of(request))
    return await respond(request, result, values=kept_values(form, services.settings.default_country))


async def different_number(request: Request) -> Response:
    await checked_form(request)
    user = await pending_signup(request)
    return await respond(request, await signup.different_number(services_of(request), user))


async def set_number(request: Request) -> Response:
    form = await checked_form(request)
    user = await pending_signup(request)
    services = services_of(request)
    phone = read_phone(form, services.settings.default_country, services.settings.allowed_countries)
    if isinstance(phone, Invalid):
        return await invalid(request, phone)
    result = await signup.set_number(services, user, phone, address_of(request), proof_of(request))
    return await respond(request, result, values=kept_values(form, services.settings.default_country))
