"""The sign-in step: email and password, then (unless this browser is remembered) the code step."""

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from components.flows import signin
from components.forms import Invalid, read_credentials
from components.web.sessions import ANONYMOUS
from routes.incoming import checked_form, origin, services, session_user
from routes.render import invalid, respond, show
from routes.steps import SIGNIN


async def signin_form(request: Request):
    if await session_user(request):
        return RedirectResponse("/", status_code=303)
    return await show(request, SIGNIN, ANONYMOUS)


async def sign_in(request: Request):
    credentials = read_credentials(await checked_form(request))
    if isinstance(credentials, Invalid):
        return await invalid(request, credentials)
    app = services(request)
    remembered = request.cookies.get(app.remembered.cookie)
    result = await signin.sign_in(app, credentials, origin(request), remembered=remembered)
    return await respond(request, result, values={"email": credentials.email})


routes = [
    Route("/signin", signin_form, methods=["GET"]),
    Route("/signin", sign_in, methods=["POST"]),
]
