"""The code step (a signup's, a sign-in's, a password reset's, a new number's):
check the code, or ask for a new one by text or call."""

from starlette.requests import Request
from starlette.routing import Route

from components.flows import checking, recovery, sending
from components.forms import Invalid, read_code
from routes.incoming import checked_form, code_holder, origin, services
from routes.render import invalid, respond


async def check_code(request: Request):
    form = await checked_form(request)
    current = await code_holder(request)
    code = read_code(form)
    if isinstance(code, Invalid):
        return await invalid(request, code)
    app = services(request)
    if current.reset and current.account is None:  # a reset for an email without an account
        return await respond(request, await recovery.no_account_code(app, current.reset, origin(request)))
    remember = form.get("remember") == "yes"
    return await respond(request, await checking.check_code(app, current.account, code, origin(request),
                                                            remember=remember, reset=current.reset))


async def resend(request: Request):
    form = await checked_form(request)
    current = await code_holder(request)
    app = services(request)
    channel = "call" if form.get("channel") == "call" and "call" in app.verifier.channels else "sms"
    if current.reset:
        return await respond(request, await recovery.resend_reset(app, current.account, current.reset, channel,
                                                                  origin(request)))
    return await respond(request, await sending.resend(app, current.account, channel, origin(request)))


routes = [
    Route("/code", check_code, methods=["POST"]),
    Route("/code/resend", resend, methods=["POST"]),
]
