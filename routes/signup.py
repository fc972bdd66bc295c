"""Step 1: the signup form (also where a pending signup corrects its number)."""

from starlette.requests import Request
from starlette.routing import Route

from components.forms import Invalid, kept_values, read_phone, read_signup
from components.results import Notice, Success
from components.signup import set_number, sign_up
from routes._http import checked_form, origin, services, session_user
from routes._render import invalid, respond


async def submit(request: Request):
    form = await checked_form(request)
    app = services(request)
    default_country, allowed = app.settings.default_country, app.settings.allowed_countries
    user = await session_user(request)
    if user and user.verified:
        return await respond(request, Success(user, Notice("Your account is already verified.")))
    if user and request.session.get("changing_number"):
        phone = read_phone(form, default_country, allowed)
        if isinstance(phone, Invalid):
            return await invalid(request, phone, step="number")
        result = await set_number(app, user, phone, origin(request))
        return await respond(request, result, step="number", values=kept_values(form, default_country))
    details = read_signup(form, default_country, allowed)
    if isinstance(details, Invalid):
        return await invalid(request, details, step="signup")
    result = await sign_up(app, details, origin(request))
    return await respond(request, result, step="signup", values=kept_values(form, default_country))


routes = [Route("/signup", submit, methods=["POST"])]
