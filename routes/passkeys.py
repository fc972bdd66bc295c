"""Passkeys: the options a browser's WebAuthn ceremony starts from (JSON, for
static/passkeys.js), adding one, naming and removing them (the passkeys page), and
signing in with one (from the sign-in page). The ceremony's answer comes back in a
plain form post, so every result goes through the render seam like any step's."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from components.flows import passkeys
from components.forms import Invalid, read_password_again
from components.language import say
from components.text import Text, _
from components.web.incoming import (
    account_of,
    address_of,
    checked_form,
    language_of,
    services_of,
    signed_in_visit,
)
from components.web.render import invalid, respond
from components.web.sessions import passkey_session_key
from components.web.visits import Visit, password_needed, visit

NO_STORE = {"Cache-Control": "no-store"}


async def options(request: Request) -> Response:
    """POST /passkeys/options: `purpose` register (signed in, recently: else the passkeys page
    asks for the password first), reauth (signed in: one of the account's own) or signin (anyone)."""
    form = await checked_form(request)
    services = services_of(request)
    if services.settings.passkeys != "on":
        return _refused(request, _("Passkeys are not offered here."), 404)
    session_key = passkey_session_key(request.session)
    purpose = form.get("purpose")
    if purpose == "signin":
        asked = await passkeys.signin_options(services, session_key)
    else:
        current = await visit(request)
        if current.stage != "signed-in":
            return _refused(request, _("Sign in first to change your account."), 403)
        if purpose == "reauth":
            asked = await passkeys.reauth_options(services, account_of(current), session_key)
        elif password_needed(services, current):
            return _refused(request, _("Confirm your password first: reload the page."), 403)
        else:
            asked = await passkeys.registration_options(services, account_of(current), session_key)
    if asked.options is None:
        return _refused(request, asked.refusal or passkeys.NOT_CHECKED, 422)
    return Response(asked.options, media_type="application/json", headers=NO_STORE)


def _refused(request: Request, text: Text | str, status: int) -> Response:
    """Said beside the passkey button (static/passkeys.js), in the page's language."""
    return JSONResponse({"error": say(text, language_of(request))}, status_code=status, headers=NO_STORE)


async def confirm_for_passkeys(request: Request) -> Response:
    """The password again, before passkeys change (when the sign-in is not recent)."""
    form = await checked_form(request)
    current = await signed_in_visit(request)
    services = services_of(request)
    password = read_password_again(form, True)
    if isinstance(password, Invalid):
        return await invalid(request, password)
    assert password is not None  # asked for, so given
    result = await passkeys.confirm_password(services, account_of(current), password, address_of(request))
    return await respond(request, result)


async def confirm_with_passkey(request: Request) -> Response:
    """A passkey instead of the password, before a sensitive change (on each page that asks)."""
    form = await checked_form(request)
    current = await signed_in_visit(request)
    services, answer = services_of(request), str(form.get("credential", ""))
    session_key = passkey_session_key(request.session)
    return await respond(request, await passkeys.reauthenticate(services, account_of(current), session_key, answer))


async def _changing(request: Request) -> tuple[FormData, Visit, Response | None]:
    """A change to the passkeys: its form, the visit, and the answer instead when the sign-in
    is no longer recent (the page asks for the password first: this form is stale)."""
    form = await checked_form(request)
    current = await signed_in_visit(request)
    if password_needed(services_of(request), current):
        return form, current, await invalid(request, Invalid({"password": _("Enter your password")}))
    return form, current, None


async def add_passkey(request: Request) -> Response:
    form, current, stale = await _changing(request)
    if stale:
        return stale
    answer, user_agent = str(form.get("credential", "")), request.headers.get("User-Agent", "")
    services, session_key = services_of(request), passkey_session_key(request.session)
    return await respond(request, await passkeys.add(services, account_of(current), session_key, answer, user_agent))


async def rename_passkey(request: Request) -> Response:
    form = await checked_form(request)
    current = await signed_in_visit(request)
    credential_id, name = str(form.get("credential_id", "")), str(form.get("name", ""))
    return await respond(request, await passkeys.rename(services_of(request), account_of(current), credential_id, name))


async def remove_passkey(request: Request) -> Response:
    form, current, stale = await _changing(request)
    if stale:
        return stale
    credential_id = str(form.get("credential_id", ""))
    return await respond(request, await passkeys.remove(services_of(request), account_of(current), credential_id))


async def sign_in_with_passkey(request: Request) -> Response:
    form = await checked_form(request)
    services = services_of(request)
    answer = str(form.get("credential", ""))
    return await respond(request, await passkeys.sign_in(services, passkey_session_key(request.session), answer))
