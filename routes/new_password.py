"""The new password step: after a reset's code was right, the password to sign in with."""

from starlette.requests import Request
from starlette.routing import Route

from components.flows import recovery
from components.forms import Invalid, read_new_password
from routes.incoming import NoPendingCode, checked_form, services, visit
from routes.render import invalid, respond


async def set_new_password(request: Request):
    form = await checked_form(request)
    current = await visit(request)
    if current.stage != "new-password":
        raise NoPendingCode()
    password = read_new_password(form)
    if isinstance(password, Invalid):
        return await invalid(request, password)
    return await respond(request, await recovery.set_new_password(services(request), current.account, password))


routes = [Route("/password/new", set_new_password, methods=["POST"])]
