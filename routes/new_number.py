"""The number change journey: a new number for the account (the password again, if
the sign-in is not recent); the code step follows (the current number's, then the
new one's), and the old number stays until the code is right, or until the change
is called off. When the current number can no longer get texts, the change waits,
and the link texted to the current number opens the page that cancels it."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows import account
from components.flows.results import Failure, Notice, Success
from components.forms import Invalid, kept_values, read_password_again, read_phone
from components.language import say
from components.text import _
from components.web.csrf import csrf_token
from components.web.incoming import (
    account_of,
    address_of,
    checked_form,
    language_of,
    services_of,
    signed_in_visit,
)
from components.web.render import in_language, invalid, respond
from components.web.templates import site_context, templates
from components.web.visits import password_needed


async def start_number_change(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    services = services_of(request)
    settings = services.settings
    phone = read_phone(form, settings.default_country, settings.allowed_countries)
    password = read_password_again(form, password_needed(services, current))
    if isinstance(phone, Invalid):
        return await invalid(request, phone)
    if isinstance(password, Invalid):
        return await invalid(request, password)
    gone = form.get("current_gone") == "yes"
    result = await account.start_number_change(
        services, account_of(current), phone, password, address_of(request), current_gone=gone
    )
    return await respond(request, result, values=kept_values(form, settings.default_country))


async def keep_number(request: Request) -> Response:
    await checked_form(request)
    current = await signed_in_visit(request)
    return await respond(request, await account.keep_number(services_of(request), account_of(current)))


async def show_cancel(request: Request) -> Response:
    """The link texted to the current number: a page whose button cancels (a GET changes nothing)."""
    return _cancel_page(request, str(request.path_params["token"]), None)


async def cancel_change(request: Request) -> Response:
    form = await checked_form(request)
    token = str(form.get("token", ""))
    return _cancel_page(request, token, await account.cancel_number_change(services_of(request), token))


def _cancel_page(request: Request, token: str, result: Success | Failure | None) -> Response:
    language = language_of(request)
    context = {
        **in_language(language),
        "title": say(_("Cancel the number change"), language),
        **site_context(services_of(request).settings),
        "token": token,
        "csrf_token": csrf_token(request.session),
        "notice": result and Notice(say(result.notice.text, language), result.notice.error),
        "errors": {},
        "done": isinstance(result, Success),
        "list_countries": False,
    }
    status = 422 if isinstance(result, Failure) else 200
    headers = {"Cache-Control": "no-store", "Content-Language": language}
    return templates.TemplateResponse(
        request, "cancel_number_change.html", context, status_code=status, headers=headers
    )
