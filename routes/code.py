"""Steps 2-5: enter the code, get a new one (text or call), or change the number."""

from starlette.requests import Request
from starlette.routing import Route

from components.checking import check_code
from components.forms import Invalid, read_code
from components.sending import resend
from components.signup import change_number
from routes._http import checked_form, origin, pending_user, services
from routes._render import invalid, respond


async def verify(request: Request):
    form = await checked_form(request)
    user = await pending_user(request)
    code = read_code(form)
    if isinstance(code, Invalid):
        return await invalid(request, code, step="code")
    return await respond(request, await check_code(services(request), user, code), step="code")


async def send_again(request: Request):
    form = await checked_form(request)
    user = await pending_user(request)
    channel = "call" if form.get("channel") == "call" and "call" in services(request).verifier.channels else "sms"
    return await respond(request, await resend(services(request), user, channel, origin(request)), step="code")


async def new_number(request: Request):
    await checked_form(request)
    user = await pending_user(request)
    return await respond(request, await change_number(services(request), user))


routes = [
    Route("/code", verify, methods=["POST"]),
    Route("/code/resend", send_again, methods=["POST"]),
    Route("/code/change-number", new_number, methods=["POST"]),
]
