"""Coming back: sign in with email and password, and sign out."""

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from components.forms import Invalid, read_credentials
from components.signin import sign_in, sign_out
from routes._http import checked_form, services, session_user
from routes._render import invalid, render, respond


async def form(request: Request):
    if await session_user(request):
        return RedirectResponse("/", status_code=303)
    return await render(request, step="signin")


async def submit(request: Request):
    credentials = read_credentials(await checked_form(request))
    if isinstance(credentials, Invalid):
        return await invalid(request, credentials, step="signin")
    result = await sign_in(services(request), credentials)
    return await respond(request, result, step="signin", values={"email": credentials.email})


async def leave(request: Request):
    await checked_form(request)
    return await respond(request, await sign_out(services(request), await session_user(request)))


routes = [
    Route("/signin", form, methods=["GET"]),
    Route("/signin", submit, methods=["POST"]),
    Route("/signout", leave, methods=["POST"]),
]
