"""The password step: the current password, then a new one (other browsers are signed out)."""

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from components.flows import account
from components.forms import Invalid, read_password_change
from routes.incoming import checked_form, origin, services, signed_in_visit, visit
from routes.render import invalid, respond, show
from routes.steps import PASSWORD


async def password_form(request: Request):
    current = await visit(request)
    if current.stage != "signed-in":
        return RedirectResponse("/signin", status_code=303)
    return await show(request, PASSWORD, current)


async def change_password(request: Request):
    form = await checked_form(request)
    current = await signed_in_visit(request)
    change = read_password_change(form)
    if isinstance(change, Invalid):
        return await invalid(request, change)
    result = await account.change_password(services(request), current.account, change.current, change.new,
                                           origin(request))
    return await respond(request, result)


routes = [
    Route(PASSWORD.url, password_form, methods=["GET"]),
    Route(PASSWORD.url, change_password, methods=["POST"]),
]
