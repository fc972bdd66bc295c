"""The authorization endpoint: an app sends its visitor here to sign in (or up) and
comes back with a code; the consent step, where a third-party app is allowed;
and the way back to the app after the visitor signed in on the one-page steps.

The request is kept server-side (components/storage/authorization_requests.py)
while the visitor signs in or up: the session holds its key, the app's name
(for the page's banner) and the app's origin (the pages' Content-Security-Policy
lets a form's redirect go there, and nowhere else).
"""

from dataclasses import replace
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from components.durations import YEAR
from components.flows import authorization
from components.flows.authorization import AskConsent, BackToApp, SignedIn, SignInFirst
from components.language import COOKIE, LANGUAGES
from components.oidc.addresses import origin_of
from components.oidc.requests import AuthorizationRequest, NotForUs, read_request
from components.storage.clients import Client
from components.text import _
from components.web.errors import broken_app_link, problem_page
from components.web.incoming import checked_form, issuer_of, services_of
from components.web.middleware import policy_allowing_forms_to
from components.web.render import PREFILL, page_apart
from components.web.sessions import AUTHORIZING, start_afresh
from components.web.step_table import path_to
from components.web.visits import Visit, visit

EXPIRED = _("This sign-in request has expired. Go back to the app and sign in from there again.")


async def authorize(request: Request) -> Response:
    """GET /authorize (a POST is sent here as a GET: only then does the browser send its session cookie)."""
    if request.method == "POST":
        form = await request.form()
        return RedirectResponse(f"{request.url.path}?{urlencode(list(form.multi_items()))}", status_code=303)
    query = request.query_params
    repeated = {name for name in query if len(query.getlist(name)) > 1}
    client_id = query.get("client_id")
    client = await services_of(request).clients.get(client_id) if client_id else None
    read = read_request(dict(query), repeated, client)
    if isinstance(read, NotForUs):
        return broken_app_link(request, read.reason)
    if not isinstance(read, AuthorizationRequest):
        return _to(
            authorization.back(
                read.redirect_uri, read.state, issuer_of(request), error=read.error, error_description=read.description
            )
        )
    assert client is not None
    return await _carry_on(request, client, read, key=None)


async def resume(request: Request) -> Response:
    """GET /authorize/resume: where the steps send a browser that signed in for an app."""
    kept = await _kept(request)
    if kept is None:
        return _expired(request)
    client, pending, key = kept
    return await _carry_on(request, client, pending, key=key)


async def _carry_on(request: Request, client: Client, pending: AuthorizationRequest, *, key: str | None) -> Response:
    services = services_of(request)
    current = await visit(request)
    then = await authorization.authorize(services, client, pending, _signed_in(request, current), issuer_of(request))
    if isinstance(then, BackToApp):
        return await _done(request, key, then)
    if isinstance(then, SignInFirst):
        if then.afresh:  # the app wants a sign-in newer than this browser's: it ends first
            await start_afresh(request.session, services.sessions, None, services.clock())
        # The sign-in to come answers prompt=login, max_age and acr_values: the request no longer asks them.
        answered = replace(
            pending, prompt=tuple(p for p in pending.prompt if p != "login"), max_age=None, acr_values=()
        )
        if answered != pending or key is None:
            key = await _keep(request, client, answered, key)
    elif key is None:
        key = await _keep(request, client, pending, key)
    if isinstance(then, AskConsent):
        return RedirectResponse(path_to(request, "consent"), status_code=303)
    return _to_sign_in(request, pending, signup=then.signup and current.stage == "anonymous")


async def _keep(request: Request, client: Client, pending: AuthorizationRequest, key: str | None) -> str:
    """The request kept (again, under a new key, when it changed) for the journey ahead."""
    services = services_of(request)
    if key:
        await services.authorizations.drop(key)
    key = await services.authorizations.keep(client.client_id, pending.kept(), authorization.REQUEST_SECONDS)
    request.session[AUTHORIZING] = {"key": key, "app": client.name, "to": origin_of(pending.redirect_uri)}
    return key


def _to_sign_in(request: Request, pending: AuthorizationRequest, *, signup: bool) -> Response:
    if pending.login_hint and not signup:
        request.session[PREFILL] = {"email": pending.login_hint[:254]}
    response = RedirectResponse(path_to(request, "home" if signup else "signin"), status_code=303)
    wanted = next((code for code in pending.ui_locales if code in LANGUAGES), None)
    if wanted and COOKIE not in request.cookies:  # the visitor's own choice comes first
        secure = services_of(request).settings.production
        response.set_cookie(COOKIE, wanted, max_age=YEAR, path="/", secure=secure, httponly=True, samesite="lax")
    return response


async def show_consent(request: Request) -> Response:
    """GET /authorize/consent: which app, and exactly what it will know."""
    kept = await _kept(request)
    current = await visit(request)
    if kept is None:
        return _expired(request)
    client, pending, key = kept
    if current.stage != "signed-in":
        return await _carry_on(request, client, pending, key=key)
    return _consent_page(request, client, pending)


async def answer_consent(request: Request) -> Response:
    """POST /authorize/consent: allowed, or not; either way back to the app."""
    form = await checked_form(request)
    kept = await _kept(request)
    current = await visit(request)
    if kept is None:
        return _expired(request)
    client, pending, key = kept
    signed = _signed_in(request, current)
    if signed is None:
        return await _carry_on(request, client, pending, key=key)
    allowed = form.get("decision") == "allow"
    then = await authorization.consent_given(
        services_of(request), client, pending, signed, issuer_of(request), allowed=allowed
    )
    return await _done(request, key, then)


async def cancel(request: Request) -> Response:
    """GET /authorize/cancel: the visitor would rather not sign in to the app: back to it, refused."""
    kept = await _kept(request)
    if kept is None:
        return _expired(request)
    client, pending, key = kept
    return await _done(
        request, key, authorization.back(pending.redirect_uri, pending.state, issuer_of(request), error="access_denied")
    )


async def _kept(request: Request) -> tuple[Client, AuthorizationRequest, str] | None:
    """The request this browser is signing in for, while it lasts and its app is registered."""
    held = request.session.get(AUTHORIZING)
    key: str | None = held["key"] if held else None
    services = services_of(request)
    kept = await services.authorizations.get(key) if key else None
    client = await services.clients.get(kept["client_id"]) if kept else None
    if key is None or kept is None or client is None:
        request.session.pop(AUTHORIZING, None)
        return None
    return client, AuthorizationRequest.from_kept(kept), key


def _signed_in(request: Request, current: Visit) -> SignedIn | None:
    if current.stage != "signed-in" or current.account is None:
        return None
    return SignedIn(current.account, current.auth_at, tuple(request.session.get("amr", ())))


async def _done(request: Request, key: str | None, then: BackToApp) -> Response:
    """Back to the app: the request is answered and goes."""
    if key:
        await services_of(request).authorizations.drop(key)
    request.session.pop(AUTHORIZING, None)
    return _to(then)


def _to(then: BackToApp) -> Response:
    return RedirectResponse(then.location, status_code=303, headers={"Cache-Control": "no-store"})


def _consent_page(request: Request, client: Client, pending: AuthorizationRequest) -> Response:
    # Its form's answer sends the browser on to the app: the policy lets it go there.
    policy = {"Content-Security-Policy": policy_allowing_forms_to(origin_of(pending.redirect_uri))}
    context = {"client_name": client.name, "scopes": pending.scopes}
    title = _("Allow %(app)s to sign you in?", app=client.name)
    return page_apart(request, "consent.html", title, context, policy)


def _expired(request: Request) -> Response:
    return problem_page(request, 400, _("This sign-in request has expired"), EXPIRED)
