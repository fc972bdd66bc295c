"""The code step (a signup's, or a sign-in's): check the code, or ask for a new one by text or call."""

from starlette.requests import Request
from starlette.routing import Route

from components.flows import checking, sending
from components.forms import Invalid, read_code
from routes.incoming import checked_form, code_holder, origin, services
from routes.render import invalid, respond


async def check_code(request: Request):
    form = await checked_form(request)
    user = await code_holder(request)
    code = read_code(form)
    if isinstance(code, Invalid):
        return await invalid(request, code)
    remember = form.get("remember") == "yes"
    return await respond(request, await checking.check_code(services(request), user, code, origin(request),
                                                            remember=remember))


async def resend(request: Request):
    form = await checked_form(request)
    user = await code_holder(request)
    app = services(request)
    channel = "call" if form.get("channel") == "call" and "call" in app.verifier.channels else "sms"
    return await respond(request, await sending.resend(app, user, channel, origin(request)))


routes = [
    Route("/code", check_code, methods=["POST"]),
    Route("/code/resend", resend, methods=["POST"]),
]
