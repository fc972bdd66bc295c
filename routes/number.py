"""The number step: a signup waiting for its code gives a different number."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from components.flows import number
from components.forms import Invalid, kept_values, read_phone
from routes.incoming import checked_form, origin, pending_signup, services
from routes.render import invalid, respond


async def change_number(request: Request) -> Response:
    await checked_form(request)
    user = await pending_signup(request)
    return await respond(request, await number.change_number(services(request), user))


async def set_number(request: Request) -> Response:
    form = await checked_form(request)
    user = await pending_signup(request)
    app = services(request)
    phone = read_phone(form, app.settings.default_country, app.settings.allowed_countries)
    if isinstance(phone, Invalid):
        return await invalid(request, phone)
    result = await number.set_number(app, user, phone, origin(request))
    return await respond(request, result, values=kept_values(form, app.settings.default_country))


routes = [
    Route("/number/change", change_number, methods=["POST"]),
    Route("/number", set_number, methods=["POST"]),
]
