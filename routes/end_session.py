"""The end-session endpoint: an app signs its user out here too, and may be sent back.
A POST from the app is sent on as a GET (the browser sends its session cookie
with a cross-site GET only); signing out without a hint of the account's own is
asked first, on a page whose form posts with the CSRF token."""

import logging
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from components.flows.authorization import back
from components.flows.end_session import LogoutRequest, asked_by_owner, read_logout
from components.flows.results import Notice
from components.oidc.addresses import origin_of
from components.oidc.requests import NotForUs
from components.text import _
from components.web.errors import broken_app_link
from components.web.incoming import checked_form, issuer_of, language_of, services_of
from components.web.middleware import policy_allowing_forms_to
from components.web.render import kept_notice, page_apart
from components.web.sessions import start_afresh
from components.web.step_table import path_to
from components.web.visits import visit

log = logging.getLogger(__name__)
KEPT = ("client_id", "post_logout_redirect_uri", "state")  # what the confirmation's form carries on


async def end_session(request: Request) -> Response:
    """GET /logout"""
    if request.method == "POST":
        form = await request.form()
        return RedirectResponse(f"{request.url.path}?{urlencode(list(form.multi_items()))}", status_code=303)
    services = services_of(request)
    read = await read_logout(services, request.query_params, issuer_of(request))
    if isinstance(read, NotForUs):
        return broken_app_link(request, read.reason)
    current = await visit(request)
    if current.stage != "signed-in" or current.account is None:
        return _gone(request, read)  # nobody to sign out: on to where the app asked
    if await asked_by_owner(services, read, current.account):
        return await _sign_out(request, read)
    return _confirmation(request, read)


async def confirm_end_session(request: Request) -> Response:
    """POST /logout/confirm: the visitor's answer."""
    form = await checked_form(request)
    fields = {name: str(form[name]) for name in KEPT if name in form}
    read = await read_logout(services_of(request), fields, issuer_of(request))
    if isinstance(read, NotForUs):
        return broken_app_link(request, read.reason)
    if form.get("decision") != "sign-out":
        return RedirectResponse(path_to(request, "home"), status_code=303)
    return await _sign_out(request, read)


async def _sign_out(request: Request, read: LogoutRequest) -> Response:
    services = services_of(request)
    current = await visit(request)
    await start_afresh(request.session, services.sessions, None, services.clock())
    client = read.client.client_id if read.client else "none"
    log.info("signed out by an app: user=%s client=%s", current.account.id if current.account else None, client)
    return _gone(request, read)


def _gone(request: Request, read: LogoutRequest) -> Response:
    """Back to the app's registered address, or to our sign-in page, told so."""
    if read.redirect_uri:
        return RedirectResponse(back(read.redirect_uri, read.state, issuer_of(request)).location, status_code=303)
    request.session["flash"] = kept_notice(Notice(_("You signed out.")), language_of(request))
    return RedirectResponse(path_to(request, "signin"), status_code=303)


def _confirmation(request: Request, read: LogoutRequest) -> Response:
    kept = {
        "client_id": read.client.client_id if read.client else None,
        "post_logout_redirect_uri": read.redirect_uri,
        "state": read.state,
    }
    context = {"client_name": read.client.name if read.client else None, "kept": kept}
    # The answer may send the browser on to the app's address: the policy lets it go there.
    policy = (
        {"Content-Security-Policy": policy_allowing_forms_to(origin_of(read.redirect_uri))} if read.redirect_uri else {}
    )
    return page_apart(request, "end_session.html", _("Sign out?"), context, policy)
