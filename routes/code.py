"""The code step (a signup's, a sign-in's, a password reset's, a new number's):
check the code, or ask for a new one by text or call; and the text's delivery,
asked for again by the step while it waits."""

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from components.flows import checking, delivery, reset, sending
from components.flows.results import Success
from components.forms import Invalid, read_code, read_poll
from components.providers.interface import Channel
from components.web.csrf import csrf_token
from components.web.incoming import (
    account_of,
    address_of,
    checked_form,
    code_holder,
    is_htmx,
    language_of,
    proof_of,
    services_of,
)
from components.web.render import in_language, invalid, respond
from components.web.sessions import OFFER_PASSKEY
from components.web.step_table import path_to, table_of
from components.web.templates import templates
from components.web.visits import visit


async def check_code(request: Request) -> Response:
    form = await checked_form(request)
    current = await code_holder(request)
    code = read_code(form)
    if isinstance(code, Invalid):
        return await invalid(request, code)
    services, address = services_of(request), address_of(request)
    if current.reset:  # alike whether or not the email has an account
        return await respond(request, await reset.check_code(services, current.account, current.reset, code, address))
    remember = form.get("remember") == "yes"
    result = await checking.check_code(services, account_of(current), code, address, remember=remember)
    if isinstance(result, Success) and current.stage == "signup" and services.settings.passkeys == "on":
        request.session[OFFER_PASSKEY] = True  # the new account's page offers a passkey, once
    return await respond(request, result)


async def resend_code(request: Request) -> Response:
    form = await checked_form(request)
    current = await code_holder(request)
    services = services_of(request)
    asked = form.get("channel")
    channel: Channel = next((c for c in services.verifier.channels if c == asked), "sms")
    if current.reset:
        return await respond(request, await reset.resend_reset(services, current.reset, channel, address_of(request)))
    proof = proof_of(request, form)
    return await respond(
        request, await sending.resend(services, account_of(current), channel, address_of(request), proof)
    )


async def code_status(request: Request) -> Response:
    """For the step's poller: the region again if the state changed since `seen`, and
    the next poller unless it is time to stop (an empty answer removes it)."""
    if not is_htmx(request):
        return RedirectResponse(path_to(request, "home"), status_code=303)
    current = await visit(request)
    if table_of(request).current(current).name != "code" or current.code_purpose == "reset":
        return HTMLResponse("", headers={"Cache-Control": "no-store"})
    services = services_of(request)
    asked = read_poll(request.query_params, delivery.STATES, most=delivery.LAST_POLL_SECONDS)
    now, next_wait = await delivery.poll(services, sending.recipient(account_of(current)), asked.wait)
    context = {
        **in_language(language_of(request)),
        "delivery": now,
        "wait": next_wait,
        "changed": now is not None and now.state != asked.seen,
        "channels": services.verifier.channels,
        "code_phone": sending.said_number(account_of(current)),
        "csrf_token": csrf_token(request.session),
    }
    content = templates.get_template("partials/delivery.html").render(context)
    return HTMLResponse(content, headers={"Cache-Control": "no-store"})
