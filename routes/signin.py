"""The sign-in step: email and password, then (unless this browser is remembered) the code step."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import signin
from components.forms import Invalid, read_credentials
from components.web.incoming import address_of, checked_form, services_of
from components.web.render import invalid, respond


async def sign_in(request: Request) -> Response:
    credentials = read_credentials(await checked_form(request))
    if isinstance(credentials, Invalid):
        return await invalid(request, credentials)
    services = services_of(request)
    cookies = request.cookies
    result = await signin.sign_in(
        services,
        credentials,
        address_of(request),
        remembered=cookies.get(services.remembered.cookie),
        known=cookies.get(services.known.cookie),
    )
    return await respond(request, result, values={"email": credentials.email})
