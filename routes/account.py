"""The account step (the verified account's page): sign out."""

from starlette.requests import Request
from starlette.routing import Route

from components.flows import signin
from routes.incoming import checked_form, services, session_user
from routes.render import respond


async def sign_out(request: Request):
    await checked_form(request)
    return await respond(request, await signin.sign_out(services(request), await session_user(request)))


routes = [Route("/signout", sign_out, methods=["POST"])]
