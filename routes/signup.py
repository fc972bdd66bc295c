"""The signup step: the form that creates an account (or resumes one) and sends the first code."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from components.flows import signup
from components.flows.results import Notice
from components.forms import Invalid, kept_values, read_signup
from components.text import _
from routes.incoming import checked_form, language_of, origin, services, session_user
from routes.render import back_to_current, invalid, respond


async def sign_up(request: Request) -> Response:
    form = await checked_form(request)
    app = services(request)
    user = await session_user(request)
    if user and user.verified:
        return await back_to_current(request, Notice(_("Your account is already verified.")))
    details = read_signup(form, app.settings.default_country, app.settings.allowed_countries)
    if isinstance(details, Invalid):
        return await invalid(request, details)
    result = await signup.sign_up(app, details, origin(request), language_of(request))
    return await respond(request, result, values=kept_values(form, app.settings.default_country))


routes = [Route("/signup", sign_up, methods=["POST"])]
