"""The close step: an explicit confirmation (and the password again, if the sign-in is
not recent), then the account and its personal data are deleted."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import account
from components.forms import Invalid, read_close
from components.web.incoming import (
    account_of,
    address_of,
    checked_form,
    services_of,
    signed_in_visit,
)
from components.web.render import invalid, respond
from components.web.visits import password_needed


async def close_account(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    services = services_of(request)
    password = read_close(form, password_needed(services, current))
    if isinstance(password, Invalid):
        return await invalid(request, password)
    result = await account.close_account(services, account_of(current), password, address_of(request))
    return await respond(request, result, values={"confirm": "yes"})
