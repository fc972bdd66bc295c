"""The new password step: after a reset's code was right, the password to sign in with."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from components.flows import recovery
from components.forms import Invalid, read_new_password
from routes.incoming import NoPendingCode, account_of, checked_form, services, visit
from routes.render import invalid, respond


async def set_new_password(request: Request) -> Response:
    form = await checked_form(request)
    current = await visit(request)
    if current.stage != "new-password":
        raise NoPendingCode()
    password = read_new_password(form)
    if isinstance(password, Invalid):
        return await invalid(request, password)
    return await respond(request, await recovery.set_new_password(services(request), account_of(current), password))


routes = [Route("/password/new", set_new_password, methods=["POST"])]
