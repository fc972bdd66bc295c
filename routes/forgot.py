"""The forgot step: the email whose password is forgotten; the code step follows."""

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from components.flows import recovery
from components.forms import Invalid, read_email
from components.web.sessions import ANONYMOUS
from routes.incoming import checked_form, origin, services, session_user
from routes.render import invalid, respond, show
from routes.steps import FORGOT


async def forgot_form(request: Request):
    if await session_user(request):
        return RedirectResponse("/", status_code=303)
    return await show(request, FORGOT, ANONYMOUS)


async def request_reset(request: Request):
    email = read_email(await checked_form(request))
    if isinstance(email, Invalid):
        return await invalid(request, email)
    result = await recovery.request_reset(services(request), email, origin(request))
    return await respond(request, result, values={"email": email})


routes = [
    Route(FORGOT.url, forgot_form, methods=["GET"]),
    Route(FORGOT.url, request_reset, methods=["POST"]),
]
