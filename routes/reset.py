"""The reset journey (a forgotten password): the email whose password is forgotten,
then the code step, then the new password."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import reset
from components.forms import Invalid, read_email, read_new_password
from components.web.incoming import NoPendingCode, account_of, address_of, checked_form, services_of
from components.web.render import invalid, respond
from components.web.visits import visit


async def request_reset(request: Request) -> Response:
    email = read_email(await checked_form(request))
    if isinstance(email, Invalid):
        return await invalid(request, email)
    result = await reset.request_reset(services_of(request), email, address_of(request))
    return await respond(request, result, values={"email": email})


async def set_new_password(request: Request) -> Response:
    """After a reset's code was right: the password to sign in with."""
    form = await checked_form(request)
    current = await visit(request)
    if current.stage != "new-password":
        raise NoPendingCode()
    password = read_new_password(form, least=services_of(request).settings.password_min_length)
    if isinstance(password, Invalid):
        return await invalid(request, password)
    return await respond(request, await reset.set_new_password(services_of(request), account_of(current), password))
