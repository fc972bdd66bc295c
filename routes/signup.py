"""Step 1: the signup form (also where a pending signup corrects its number)."""

from starlette.requests import Request
from starlette.routing import Route

from components.forms import Invalid, kept_values, read_phone, read_signup
from components.signup import Notice, Success, set_number, sign_up
from routes._http import checked_form, services, session_user
from routes._render import invalid, respond


async def submit(request: Request):
    form = await checked_form(request)
    app = services(request)
    default_country = app.settings.default_country
    user = await session_user(request)
    if user and user.verified:
        return await respond(request, Success(user, Notice("Your account is already verified.")))
    if user and request.session.get("changing_number"):
        phone = read_phone(form, default_country)
        if isinstance(phone, Invalid):
            return await invalid(request, phone, step="number")
        return await respond(request, await set_number(app, user, phone), step="number")
    details = read_signup(form, default_country)
    if isinstance(details, Invalid):
        return await invalid(request, details, step="signup")
    result = await sign_up(app, details)
    return await respond(request, result, step="signup", values=kept_values(form, default_country))


routes = [Route("/signup", submit, methods=["POST"])]
