"""The forgot step: the email whose password is forgotten; the code step follows."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from components.flows import recovery
from components.forms import Invalid, read_email
from routes.incoming import checked_form, origin, services
from routes.render import invalid, page_of, respond
from routes.steps import FORGOT


async def request_reset(request: Request) -> Response:
    email = read_email(await checked_form(request))
    if isinstance(email, Invalid):
        return await invalid(request, email)
    result = await recovery.request_reset(services(request), email, origin(request))
    return await respond(request, result, values={"email": email})


routes = [
    Route(FORGOT.url, page_of(FORGOT, signed_in=False), methods=["GET"]),
    Route(FORGOT.url, request_reset, methods=["POST"]),
]
