"""The number change journey: a new number for the account (the password again, if
the sign-in is not recent); the code step follows, and the old number stays until
the code is right, or until the change is called off."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import account
from components.forms import Invalid, kept_values, read_password_again, read_phone
from components.web.incoming import (
    account_of,
    address_of,
    checked_form,
    services_of,
    signed_in_visit,
)
from components.web.render import invalid, respond
from components.web.visits import password_needed


async def start_number_change(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    services = services_of(request)
    settings = services.settings
    phone = read_phone(form, settings.default_country, settings.allowed_countries)
    password = read_password_again(form, password_needed(services, current))
    if isinstance(phone, Invalid):
        return await invalid(request, phone)
    if isinstance(password, Invalid):
        return await invalid(request, password)
    result = await account.start_number_change(services, account_of(current), phone, password, address_of(request))
    return await respond(request, result, values=kept_values(form, settings.default_country))


async def keep_number(request: Request) -> Response:
    await checked_form(request)
    current = await signed_in_visit(request)
    return await respond(request, await account.keep_number(services_of(request), account_of(current)))
