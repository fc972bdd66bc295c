"""The mobile step: a new number for the account (the password again, if the sign-in
is not recent); the code step follows, and the old number stays until the code is right."""

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from components.flows import account
from components.forms import Invalid, kept_values, read_password_again, read_phone
from routes.incoming import (
    checked_form,
    origin,
    password_needed,
    services,
    signed_in_visit,
    visit,
)
from routes.render import invalid, respond, show
from routes.steps import MOBILE


async def mobile_form(request: Request):
    current = await visit(request)
    if current.stage != "signed-in":
        return RedirectResponse("/signin", status_code=303)
    return await show(request, MOBILE, current)


async def change_number(request: Request):
    form = await checked_form(request)
    current = await signed_in_visit(request)
    app = services(request)
    settings = app.settings
    phone = read_phone(form, settings.default_country, settings.allowed_countries)
    password = read_password_again(form, password_needed(request, current))
    for problem in (phone, password):
        if isinstance(problem, Invalid):
            return await invalid(request, problem)
    result = await account.change_number(app, current.account, phone, password, origin(request))
    return await respond(request, result, values=kept_values(form, settings.default_country))


async def keep_number(request: Request):
    await checked_form(request)
    current = await signed_in_visit(request)
    return await respond(request, await account.keep_number(services(request), current.account))


routes = [
    Route(MOBILE.url, mobile_form, methods=["GET"]),
    Route(MOBILE.url, change_number, methods=["POST"]),
    Route("/account/mobile/keep", keep_number, methods=["POST"]),
]
