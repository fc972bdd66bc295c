"""The devices page's actions: sign out another browser, forget a remembered one, or sign
out every browser but this one (components/flows/devices.py). The page itself and the
activity page are steps with pages of their own (routes/steps.py)."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import devices
from components.web.incoming import account_of, checked_form, services_of, signed_in_visit
from components.web.render import respond


async def sign_out_browser(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    public_id = str(form.get("session", ""))
    return await respond(request, await devices.sign_out_browser(services_of(request), account_of(current), public_id))


async def forget_browser(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    remembered_id = str(form.get("browser", ""))
    return await respond(
        request, await devices.forget_browser(services_of(request), account_of(current), remembered_id)
    )


async def sign_out_others(request: Request) -> Response:
    await checked_form(request)
    current = await signed_in_visit(request)
    services, user = services_of(request), account_of(current)
    this_one = services.remembered.row(request.cookies.get(services.remembered.cookie), user.id, user.session_version)
    token = str(request.session.get("sid"))
    return await respond(request, await devices.sign_out_others(services, user, token, this_one))
