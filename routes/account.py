"""The account step (the verified account's page): sign out here, or everywhere; remove an
app that can sign the account in."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import account, signin
from components.web.incoming import account_of, checked_form, services_of, session_user, signed_in_visit
from components.web.render import respond


async def sign_out(request: Request) -> Response:
    await checked_form(request)
    return await respond(request, await signin.sign_out(services_of(request), await session_user(request)))


async def remove_app(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    client_id = str(form.get("client_id", ""))
    return await respond(request, await account.remove_app(services_of(request), account_of(current), client_id))


async def sign_out_everywhere(request: Request) -> Response:
    await checked_form(request)
    current = await signed_in_visit(request)
    return await respond(request, await account.sign_out_everywhere(services_of(request), account_of(current)))
