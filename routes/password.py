"""The password step: the current password, then a new one (other browsers are signed out)."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import account
from components.forms import Invalid, read_password_change
from components.web.incoming import account_of, address_of, checked_form, services_of, signed_in_visit
from components.web.render import invalid, respond


async def change_password(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    change = read_password_change(form, services_of(request).settings.password_min_length)
    if isinstance(change, Invalid):
        return await invalid(request, change)
    result = await account.change_password(
        services_of(request), account_of(current), change.current, change.new, address_of(request)
    )
    return await respond(request, result)
