"""The account step (the verified account's page): sign out here, or everywhere."""

from starlette.requests import Request
from starlette.routing import Route

from components.flows import account, signin
from routes.incoming import checked_form, services, session_user, signed_in_visit
from routes.render import respond


async def sign_out(request: Request):
    await checked_form(request)
    return await respond(request, await signin.sign_out(services(request), await session_user(request)))


async def sign_out_everywhere(request: Request):
    await checked_form(request)
    current = await signed_in_visit(request)
    return await respond(request, await account.sign_out_everywhere(services(request), current.account))


routes = [
    Route("/signout", sign_out, methods=["POST"]),
    Route("/signout/everywhere", sign_out_everywhere, methods=["POST"]),
]
